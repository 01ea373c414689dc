/**
 * The decoded-image type every part of `@patchfx/data` works on, and its errors.
 */

/**
 * An 8-bit RGB image, row-major, 3 bytes per pixel (what PIL's `Image.convert('RGB')` holds).
 * `data.length === width * height * 3`.
 */
export interface RgbImage {
  /** Pixels as `[r, g, b, r, g, b, …]`, row after row. */
  readonly data: Uint8Array;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/**
 * Makes an {@link RgbImage}, zero-filled or wrapping `data` (not copied).
 *
 * @param width - Width in pixels, a positive integer.
 * @param height - Height in pixels, a positive integer.
 * @param data - Pixels; a new zero-filled buffer when omitted.
 * @returns The image. It shares `data` when given.
 * @throws When a size is not a positive integer or `data` has the wrong length.
 *
 * @example
 * ```ts doctest
 * import { createImage } from '@patchfx/data';
 * createImage(2, 1, new Uint8Array([255, 0, 0, 0, 0, 255])).width; // => 2
 * ```
 */
export function createImage(width: number, height: number, data?: Uint8Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size must be positive integers, got ${width}×${height}`);
  }
  const bytes = data ?? new Uint8Array(width * height * 3);
  if (bytes.length !== width * height * 3) {
    throw new Error(
      `image data has ${bytes.length} bytes, expected ${width * height * 3} (${width}×${height}×3)`,
    );
  }
  return { data: bytes, width, height };
}

/**
 * The error thrown for a file that cannot be decoded: corrupt, truncated, empty, not an image, or
 * in a format patchfx does not read. `message` names the file and says what to do.
 */
export class ImageDecodeError extends Error {
  /** The file (path or name) that failed. */
  readonly file: string;
  /** What is wrong, without the file name. */
  readonly reason: string;
  /** `'unsupported'` for a format patchfx does not decode, `'invalid'` for a bad file. */
  readonly kind: 'unsupported' | 'invalid';

  constructor(file: string, reason: string, kind: 'unsupported' | 'invalid' = 'invalid') {
    super(`cannot decode '${file}': ${reason}`);
    this.name = 'ImageDecodeError';
    this.file = file;
    this.reason = reason;
    this.kind = kind;
  }
}
