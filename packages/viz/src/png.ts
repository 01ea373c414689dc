import { crc32 } from '@patchfx/data';
import { pixelImage } from './internal/validate.js';
import type { PixelImageInput } from './types.js';

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i += 5552) {
    const end = Math.min(bytes.length, i + 5552);
    for (let j = i; j < end; j++) {
      a += bytes[j];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream holding `raw` in stored (uncompressed) deflate blocks. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no preset dictionary, fastest; (0x78 << 8 | 0x01) % 31 === 0
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, raw.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0;
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(raw.subarray(start, start + len), o);
    o += len;
  }
  const sum = adler32(raw);
  out[o++] = sum >>> 24;
  out[o++] = (sum >>> 16) & 0xff;
  out[o++] = (sum >>> 8) & 0xff;
  out[o++] = sum & 0xff;
  return out;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE = Object.freeze([137, 80, 78, 71, 13, 10, 26, 10] as const);

/**
 * Encodes an image as an 8-bit RGBA PNG with no dependencies and no Node built-ins, so it runs
 * unchanged in browsers and workers. The pixel data is stored uncompressed (deflate "stored"
 * blocks, filter 0), so files are about `4·w·h` bytes; use `encodePng` from
 * `@patchfx/viz/node` (pngjs, compressed, keeps gray/RGB) where Node is available.
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
  const rowBytes = width * 4 + 1;
  const raw = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    let o = y * rowBytes + 1; // filter byte 0 (None)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      if (channels === 1) {
        raw[o] = raw[o + 1] = raw[o + 2] = data[i];
        raw[o + 3] = 255;
      } else {
        raw[o] = data[i];
        raw[o + 1] = data[i + 1];
        raw[o + 2] = data[i + 2];
        raw[o + 3] = channels === 4 ? data[i + 3] : 255;
      }
      o += 4;
    }
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const parts = [
    Uint8Array.from(PNG_SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', zlibStored(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
