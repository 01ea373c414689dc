/**
 * A minimal PNG reader for the synthetic benchmark's own files (8-bit gray and RGB,
 * non-interlaced; they are written by `encodePng`). Node-only: it uses `node:zlib`. @internal
 */
import { inflateSync } from 'node:zlib';
import { crc32 } from '../crc32.js';
import { paeth, PNG_SIGNATURE } from '../decode/png-encode.js';

const SIGNATURE = Buffer.from(PNG_SIGNATURE);

/** A decoded 8-bit image: row-major, `channels` interleaved values per pixel. @internal */
export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** 1 (gray) or 3 (RGB). */
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/**
 * Decodes an 8-bit, non-interlaced gray, gray+alpha, RGB or RGBA PNG (alpha dropped).
 *
 * @throws On a bad signature, a CRC mismatch or an unsupported bit depth, colour type or
 *   interlace mode; `what` names the file in the message. @internal
 */
export function decodePng(bytes: Uint8Array, what = 'PNG'): PngImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) {
    throw new Error(`${what}: not a PNG file`);
  }
  let pos = 8;
  let width = 0;
  let height = 0;
  let colourType = -1;
  const idat: Buffer[] = [];
  while (pos + 12 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new Error(`${what}: truncated PNG chunk '${type}'`);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (crc32(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len)) {
      throw new Error(`${what}: CRC mismatch in PNG chunk '${type}'`);
    }
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colourType = data[9];
      if (data[8] !== 8 || data[12] !== 0 || ![0, 2, 4, 6].includes(colourType)) {
        throw new Error(
          `${what}: only 8-bit non-interlaced gray/RGB(A) PNGs are supported here ` +
            `(bit depth ${data[8]}, colour type ${colourType}, interlace ${data[12]})`,
        );
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (width === 0 || idat.length === 0) throw new Error(`${what}: PNG without IHDR or IDAT`);
  const inChannels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  const stride = width * inChannels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < (stride + 1) * height) throw new Error(`${what}: truncated PNG image data`);
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= inChannels ? pixels[y * stride + i - inChannels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= inChannels ? pixels[(y - 1) * stride + i - inChannels] : 0;
      let value: number;
      switch (filter) {
        case 0:
          value = x;
          break;
        case 1:
          value = x + a;
          break;
        case 2:
          value = x + b;
          break;
        case 3:
          value = x + ((a + b) >> 1);
          break;
        case 4:
          value = x + paeth(a, b, c);
          break;
        default:
          throw new Error(`${what}: bad PNG filter type ${filter} in row ${y}`);
      }
      pixels[y * stride + i] = value & 0xff;
    }
  }
  const channels: 1 | 3 = inChannels <= 2 ? 1 : 3;
  if (channels === inChannels) return { width, height, channels, data: pixels };
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let ch = 0; ch < channels; ch++) out[p * channels + ch] = pixels[p * inChannels + ch];
  }
  return { width, height, channels, data: out };
}
