/**
 * Binary PPM (P6) and PGM (P5) with 8-bit samples (maxval 255) → RGB, as Pillow reads them.
 */
import { ImageDecodeError, type RgbImage } from '../image.js';

/**
 * Decodes a binary 8-bit PPM/PGM.
 *
 * @param bytes - The file contents.
 * @param file - The name used in error messages.
 * @returns A new image owned by the caller.
 * @throws {@link ImageDecodeError} for ASCII/1-bit/16-bit variants (unsupported) and truncated files.
 */
export function decodeNetpbm(bytes: Uint8Array, file = '<bytes>'): RgbImage {
  const kind = String.fromCharCode(bytes[0], bytes[1]);
  if (kind !== 'P5' && kind !== 'P6') {
    throw new ImageDecodeError(
      file,
      `Netpbm type ${kind} is not supported (only binary P5/P6); convert the file to PNG`,
      'unsupported',
    );
  }
  const fields: number[] = [];
  let pos = 2;
  while (fields.length < 3) {
    while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]))) pos++;
    if (bytes[pos] === 0x23) {
      while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
      continue;
    }
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) pos++;
    if (start === pos) throw new ImageDecodeError(file, `corrupt ${kind} header`);
    fields.push(Number(String.fromCharCode(...bytes.subarray(start, pos))));
  }
  pos++; // the single whitespace byte before the raster
  const [width, height, maxval] = fields;
  if (width < 1 || height < 1) throw new ImageDecodeError(file, `corrupt ${kind}: zero size`);
  if (maxval !== 255) {
    throw new ImageDecodeError(
      file,
      `${kind} with maxval ${maxval} is not supported (only 255); convert the file to PNG`,
      'unsupported',
    );
  }
  const channels = kind === 'P6' ? 3 : 1;
  const need = width * height * channels;
  if (bytes.length - pos < need) {
    throw new ImageDecodeError(
      file,
      `truncated ${kind}: ${bytes.length - pos} of ${need} raster bytes`,
    );
  }
  const raster = bytes.subarray(pos, pos + need);
  if (channels === 3) return { data: raster.slice(), width, height };
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = raster[i];
  }
  return { data, width, height };
}
