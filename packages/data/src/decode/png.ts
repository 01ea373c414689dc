/**
 * PNG → RGB exactly as Pillow 9.4's `Image.open(f).convert('RGB')`: every bit depth and colour
 * type, palettes expanded, interlacing undone, alpha and `tRNS` dropped (not composited).
 */
import pngjs from 'pngjs';
import { ImageDecodeError, type RgbImage } from '../image.js';

/** What a PNG header says. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  readonly bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  readonly colorType: number;
  readonly interlaced: boolean;
  /** Chunk types in file order (e.g. `['IHDR', 'PLTE', 'IDAT', 'IEND']`). */
  readonly chunks: readonly string[];
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPES = new Map([
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
]);

interface Walked {
  header: PngHeader;
  /** The file without its `tRNS` chunk (pngjs would zero transparent pixels' colour). */
  withoutTrns: Uint8Array;
}

function walkChunks(bytes: Uint8Array, file: string): Walked {
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw new ImageDecodeError(file, 'not a PNG (bad signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: string[] = [];
  const keep: Array<[number, number]> = [[0, 8]];
  let pos = 8;
  let ended = false;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) break;
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const end = pos + 12 + length;
    if (end > bytes.length) {
      throw new ImageDecodeError(
        file,
        `truncated PNG: chunk '${type}' needs ${end - bytes.length} more byte(s) than the file has (${bytes.length} bytes)`,
      );
    }
    chunks.push(type);
    if (type !== 'tRNS') keep.push([pos, end]);
    pos = end;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (chunks[0] !== 'IHDR') throw new ImageDecodeError(file, 'corrupt PNG: IHDR is not first');
  if (!ended) {
    throw new ImageDecodeError(
      file,
      `truncated PNG: the file ends after ${bytes.length} bytes without an IEND chunk`,
    );
  }
  if (!chunks.includes('IDAT')) throw new ImageDecodeError(file, 'corrupt PNG: no IDAT chunk');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  const depths = COLOR_TYPES.get(colorType);
  if (!depths || !depths.includes(bitDepth)) {
    throw new ImageDecodeError(
      file,
      `corrupt PNG: invalid colour type ${colorType} / bit depth ${bitDepth}`,
    );
  }
  if (width === 0 || height === 0) throw new ImageDecodeError(file, 'corrupt PNG: zero size');
  const total = keep.reduce((s, [a, b]) => s + b - a, 0);
  let withoutTrns = bytes;
  if (total !== bytes.length) {
    withoutTrns = new Uint8Array(total);
    let o = 0;
    for (const [a, b] of keep) {
      withoutTrns.set(bytes.subarray(a, b), o);
      o += b - a;
    }
  }
  const header = { width, height, bitDepth, colorType, interlaced: bytes[28] === 1, chunks };
  return { header, withoutTrns };
}

interface BufferLike {
  from(b: ArrayBuffer, offset: number, length: number): Buffer;
}

function toBuffer(bytes: Uint8Array): Buffer {
  const B = (globalThis as { Buffer?: BufferLike }).Buffer;
  if (!B) {
    throw new Error(
      "PNG decoding needs a global 'Buffer' (built into Node; in a browser bundle, provide the 'buffer' polyfill)",
    );
  }
  return B.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads a PNG's header and chunk list without decoding pixels.
 *
 * @param bytes - The file contents.
 * @param file - The name used in error messages.
 * @returns The header.
 * @throws {@link ImageDecodeError} when the bytes are not a complete PNG.
 */
export function readPngHeader(bytes: Uint8Array, file = '<bytes>'): PngHeader {
  return walkChunks(bytes, file).header;
}

/**
 * Decodes a PNG to 8-bit RGB the way Pillow 9.4 does `convert('RGB')`.
 *
 * - 8-bit samples are kept; 1/2/4-bit gray is scaled to 0…255 (×255, ×85, ×17).
 * - 16-bit RGB, RGBA and gray+alpha keep the high byte of each sample (Pillow's `;16B` unpackers).
 * - 16-bit gray opens in Pillow as mode `I` and `convert('RGB')` **clips** it to 0…255: values
 *   ≥ 255 become white. patchfx reproduces this on purpose (it is what the reference pipeline saw).
 * - Palettes are expanded; alpha channels and `tRNS` transparency are ignored.
 *
 * @param bytes - The file contents.
 * @param file - The name used in error messages.
 * @returns A new image owned by the caller.
 * @throws {@link ImageDecodeError} naming `file` for a truncated or corrupt PNG.
 */
export function decodePng(bytes: Uint8Array, file = '<bytes>'): RgbImage {
  const { header, withoutTrns } = walkChunks(bytes, file);
  const { width, height, bitDepth, colorType } = header;
  let decoded: { data: ArrayLike<number> };
  try {
    const buffer = toBuffer(withoutTrns);
    decoded = pngjs.PNG.sync.read(buffer, { skipRescale: true }) as unknown as {
      data: ArrayLike<number>;
    };
  } catch (e) {
    throw new ImageDecodeError(file, `corrupt PNG: ${(e as Error).message}`);
  }
  const rgba = decoded.data;
  const n = width * height;
  if (rgba.length < n * 4) throw new ImageDecodeError(file, 'corrupt PNG: too little image data');
  const out = new Uint8Array(n * 3);
  const isGray = colorType === 0;
  let map: (v: number) => number;
  if (bitDepth === 16) map = isGray ? (v) => (v > 255 ? 255 : v) : (v) => v >> 8;
  else if (bitDepth === 8 || colorType === 3) map = (v) => v;
  else {
    const scale = 255 / ((1 << bitDepth) - 1);
    map = (v) => v * scale;
  }
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[3 * i] = map(rgba[j]);
    out[3 * i + 1] = map(rgba[j + 1]);
    out[3 * i + 2] = map(rgba[j + 2]);
  }
  return { data: out, width, height };
}
