import { encodePng } from '@patchfx/data';
import { pixelImage } from './internal/validate.js';
import type { PixelImageInput } from './types.js';

/**
 * Encodes an image as an 8-bit RGBA PNG with no Node built-ins (through `encodePng` of
 * `@patchfx/data`), so it runs unchanged in browsers and workers. The pixel data is stored
 * uncompressed (deflate "stored" blocks, filter 0), so files are about `4·w·h` bytes; use
 * `encodePng` from `@patchfx/viz/node` (compressed, keeps gray/RGB) for smaller files.
 *
 * Input shape: `[h, w, 1 | 3 | 4]` (gray and RGB become opaque RGBA).
 *
 * @param input - The image.
 * @returns The PNG file bytes.
 * @throws If the image is malformed.
 *
 * @example
 * ```ts doctest
 * import { encodePngRgba } from '@patchfx/viz';
 * const png = encodePngRgba({ data: new Uint8Array([255, 0, 0]), width: 1, height: 1, channels: 3 });
 * Array.from(png.subarray(1, 4)).map((c) => String.fromCharCode(c)).join(''); // => 'PNG'
 * ```
 */
export function encodePngRgba(input: PixelImageInput): Uint8Array {
  const image = pixelImage(input);
  const { width, height, channels, data } = image;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, o = 0; p < width * height; p++, o += 4) {
    const i = p * channels;
    if (channels === 1) {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = data[i];
      rgba[o + 3] = 255;
    } else {
      rgba[o] = data[i];
      rgba[o + 1] = data[i + 1];
      rgba[o + 2] = data[i + 2];
      rgba[o + 3] = channels === 4 ? data[i + 3] : 255;
    }
  }
  return encodePng({ width, height, channels: 4, data: rgba }, { filter: 'none', level: 0 });
}
