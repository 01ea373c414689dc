/**
 * One entry point that decodes any supported image file to RGB, with errors that name the file.
 */
import { ImageDecodeError, type RgbImage } from '../image.js';
import { decodeBmp } from './bmp.js';
import { DECODABLE_FORMATS, sniffImageFormat, type DecodableFormat } from './format.js';
import { decodeJpeg } from './jpeg.js';
import { decodeNetpbm } from './netpbm.js';
import { decodePng } from './png.js';

const NAMES: Record<string, string> = {
  gif: 'GIF',
  tiff: 'TIFF',
  webp: 'WebP',
  jpeg2000: 'JPEG 2000',
  jpegxl: 'JPEG XL',
  heif: 'HEIF/HEIC',
  avif: 'AVIF',
  psd: 'Photoshop PSD',
  ico: 'ICO',
  qoi: 'QOI',
};

/**
 * Decodes image file bytes to 8-bit RGB as Pillow 9.4's `Image.open(f).convert('RGB')` does.
 * The format comes from the bytes (magic numbers), not the file name.
 *
 * Supported: PNG (all bit depths and colour types, interlaced), JPEG (baseline, progressive,
 * gray), binary 8-bit PPM/PGM, uncompressed 24/32-bit BMP. Everything else (TIFF, WebP, GIF, …)
 * is rejected with an `'unsupported'` {@link ImageDecodeError} saying to convert to PNG.
 *
 * In Node, JPEG needs `await initNodeCodecs()` from `@patchfx/data/node` once (file loaders there
 * do it for you); browsers load the codec by themselves.
 *
 * @param bytes - The whole file.
 * @param file - The file's name or path, used in error messages.
 * @returns A new image owned by the caller.
 * @throws {@link ImageDecodeError} naming `file` when it is empty, not an image, corrupt,
 *   truncated or of an unsupported format.
 *
 * @example
 * ```ts doctest
 * import { decodeImage, ImageDecodeError } from '@patchfx/data';
 * const error = await decodeImage(new Uint8Array(0), 'empty.png').catch((e) => e);
 * error instanceof ImageDecodeError; // => true
 * error.message; // => "cannot decode 'empty.png': the file is empty (0 bytes)"
 * ```
 */
export async function decodeImage(bytes: Uint8Array, file = '<bytes>'): Promise<RgbImage> {
  if (bytes.length === 0) throw new ImageDecodeError(file, 'the file is empty (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0'));
    throw new ImageDecodeError(
      file,
      `not an image: unrecognised content (first bytes ${head.join(' ')}); expected PNG, JPEG, PPM or BMP`,
    );
  }
  if (!(DECODABLE_FORMATS as readonly string[]).includes(format)) {
    throw new ImageDecodeError(
      file,
      `unsupported format ${NAMES[format] ?? format}; patchfx decodes PNG, JPEG, PPM/PGM and BMP. Convert it to PNG (e.g. \`convert in.${format} out.png\`)`,
      'unsupported',
    );
  }
  switch (format as DecodableFormat) {
    case 'png':
      return decodePng(bytes, file);
    case 'jpeg':
      return decodeJpeg(bytes, file);
    case 'ppm':
      return decodeNetpbm(bytes, file);
    case 'bmp':
      return decodeBmp(bytes, file);
  }
}
