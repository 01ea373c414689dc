import { constants, deflateSync } from 'node:zlib';
import { encodePng as encodePngPixels, type PngDeflate } from '@patchfx/data';
import { PNG } from 'pngjs';
import { pixelImage } from '../internal/validate.js';
import {
  IMAGE_CHANNELS,
  type ImageChannels,
  type PixelImage,
  type PixelImageInput,
} from '../types.js';

/** Options for {@link encodePng}. */
export interface EncodePngOptions {
  /**
   * zlib level 0–9.
   * @defaultValue 6
   */
  readonly deflateLevel?: number;
}

/**
 * Encodes an image as a compressed 8-bit PNG with `encodePng` of `@patchfx/data`, keeping its
 * colour type (gray → type 0, RGB → type 2, RGBA → type 6). The bytes are those pngjs's
 * `PNG.sync.write` gives with its defaults: each row's filter chosen adaptively (`filter:
 * 'adaptive'`), then `node:zlib` with strategy `Z_RLE` at `deflateLevel`. Node only; in browsers
 * use `encodePngRgba` from the main entry or `encodePng` of `@patchfx/data`.
 *
 * Input shape: `[h, w, 1 | 3 | 4]`.
 *
 * @param input - The image.
 * @param options - See {@link EncodePngOptions}.
 * @returns The PNG bytes (a plain `Uint8Array`, not a Buffer).
 * @throws If the image is malformed or the level is not an integer 0–9.
 *
 * @example
 * ```ts doctest
 * import { encodePng, decodePng } from '@patchfx/viz/node';
 * const img = { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 as const };
 * const back = decodePng(encodePng(img));
 * Array.from(back.data); // => [1, 2, 3, 4, 5, 6]
 * ```
 */
export function encodePng(input: PixelImageInput, options: EncodePngOptions = {}): Uint8Array {
  const image = pixelImage(input);
  const level = options.deflateLevel ?? 6;
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) {
    throw new Error(`deflateLevel must be an integer 0–9, got ${level}`);
  }
  return encodePngPixels(image, { filter: 'adaptive', level, deflate: rleDeflate });
}

/** `node:zlib` as pngjs's packer calls it by default: strategy `Z_RLE`, 32 KiB chunks. */
const rleDeflate: PngDeflate = (raw, level) =>
  deflateSync(raw, { level, strategy: constants.Z_RLE, chunkSize: 32 * 1024 });

/** Options for {@link decodePng}. */
export interface DecodePngOptions {
  /**
   * Channels of the result: 1 (luma is not computed: gray files only), 3 or 4. By default the
   * file decides: gray → 1, colour → 3, anything with transparency → 4.
   */
  readonly channels?: ImageChannels;
}

/**
 * Decodes PNG bytes with pngjs (`PNG.sync.read`; 16-bit files are scaled to 8 bits, palettes
 * expanded). Node only.
 *
 * Output shape: `[h, w, channels]`.
 *
 * @param bytes - The file contents.
 * @param options - See {@link DecodePngOptions}.
 * @returns A new image.
 * @throws If the bytes are not a valid PNG, or 1 channel is asked of a colour file.
 */
export function decodePng(bytes: Uint8Array, options: DecodePngOptions = {}): PixelImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const isGray = png.colorType === 0 || png.colorType === 4;
  const auto: ImageChannels = png.alpha ? 4 : isGray ? 1 : 3;
  const channels = options.channels ?? auto;
  if (!IMAGE_CHANNELS.includes(channels)) {
    throw new Error(
      `channels must be one of ${IMAGE_CHANNELS.join(' | ')}, got ${String(channels)}`,
    );
  }
  if (channels === 1 && !isGray) {
    throw new Error('cannot decode a colour PNG to 1 channel; ask for 3 or 4');
  }
  const n = png.width * png.height;
  const out = new Uint8Array(n * channels);
  const rgba = png.data;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) out[i * channels + c] = rgba[i * 4 + c];
  }
  return { data: out, width: png.width, height: png.height, channels };
}
