/**
 * Image format detection from the first bytes of a file (magic numbers), never from the name.
 */

/** Formats recognised by {@link sniffImageFormat}. */
export const IMAGE_FORMATS = Object.freeze([
  'png',
  'jpeg',
  'ppm',
  'bmp',
  'gif',
  'tiff',
  'webp',
  'jpeg2000',
  'jpegxl',
  'heif',
  'avif',
  'psd',
  'ico',
  'qoi',
] as const);
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Formats that {@link decodeImage} decodes. */
export const DECODABLE_FORMATS = Object.freeze(['png', 'jpeg', 'ppm', 'bmp'] as const);
export type DecodableFormat = (typeof DECODABLE_FORMATS)[number];

const ascii = (b: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...b.subarray(start, Math.min(end, b.length)));

/**
 * Tells the image format of a file from its magic bytes.
 *
 * @param bytes - The file contents (only the first 16 bytes are read).
 * @returns The format, or `undefined` when the bytes are not a known image format.
 *
 * @example
 * ```ts doctest
 * import { sniffImageFormat } from '@patchfx/data';
 * sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])); // => 'jpeg'
 * sniffImageFormat(new TextEncoder().encode('hello')); // => undefined
 * ```
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 4) === 'PNG' && b[4] === 0x0d) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 3 && b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x37 && /\s/.test(ascii(b, 2, 3)))
    return 'ppm';
  if (b.length >= 14 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 4 && (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*')) return 'tiff';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 12 && ascii(b, 4, 8) === 'jP  ') return 'jpeg2000';
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51)
    return 'jpeg2000';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0x0a) return 'jpegxl';
  if (b.length >= 12 && ascii(b, 4, 8) === 'JXL ') return 'jpegxl';
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'mif1', 'msf1', 'heim', 'heis', 'hevc'].includes(brand)) return 'heif';
  }
  if (b.length >= 4 && ascii(b, 0, 4) === '8BPS') return 'psd';
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return 'ico';
  if (b.length >= 4 && ascii(b, 0, 4) === 'qoif') return 'qoi';
  return undefined;
}
