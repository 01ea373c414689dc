/**
 * Uncompressed 24-bit and 32-bit (BI_RGB) BMP → RGB, as Pillow reads them (the 4th byte of 32-bit
 * pixels is ignored).
 */
import { ImageDecodeError, type RgbImage } from '../image.js';

/**
 * Decodes an uncompressed 24/32-bit BMP.
 *
 * @param bytes - The file contents.
 * @param file - The name used in error messages.
 * @returns A new image owned by the caller.
 * @throws {@link ImageDecodeError} for palette, RLE or bit-field BMPs (unsupported) and
 *   truncated files.
 */
export function decodeBmp(bytes: Uint8Array, file = '<bytes>'): RgbImage {
  if (bytes.length < 30) throw new ImageDecodeError(file, 'truncated BMP header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40 || bytes.length < 14 + headerSize) {
    throw new ImageDecodeError(
      file,
      'BMP with an OS/2 or truncated header is not supported; convert it to PNG',
      'unsupported',
    );
  }
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if ((bpp !== 24 && bpp !== 32) || compression !== 0) {
    throw new ImageDecodeError(
      file,
      `BMP with ${bpp} bits per pixel, compression ${compression} is not supported (only uncompressed 24/32-bit); convert it to PNG`,
      'unsupported',
    );
  }
  const height = Math.abs(rawHeight);
  if (width < 1 || height < 1) throw new ImageDecodeError(file, 'corrupt BMP: zero size');
  const step = bpp / 8;
  const stride = Math.ceil((width * step) / 4) * 4;
  if (bytes.length < offset + stride * (height - 1) + width * step) {
    throw new ImageDecodeError(file, 'truncated BMP: the pixel data is incomplete');
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const s = row + x * step;
      const d = (y * width + x) * 3;
      data[d] = bytes[s + 2];
      data[d + 1] = bytes[s + 1];
      data[d + 2] = bytes[s];
    }
  }
  return { data, width, height };
}
