/**
 * PNG → RGB exactly as Pillow 9.4's `Image.open(f).convert('RGB')`: every bit depth and colour
 * type, palettes expanded, interlacing undone, alpha and `tRNS` dropped (not composited).
 * Pure JavaScript (inflate from `fflate`), so it runs the same in Node and in browsers.
 */
import { unzlibSync } from 'fflate';
import { crc32 } from '../crc32.js';
import { ImageDecodeError, type RgbImage } from '../image.js';
import { PNG_SIGNATURE } from './png-encode.js';

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

/** Allowed bit depths and samples per pixel of each colour type. */
const COLOR_TYPES = new Map([
  [0, { depths: [1, 2, 4, 8, 16], channels: 1 }],
  [2, { depths: [8, 16], channels: 3 }],
  [3, { depths: [1, 2, 4, 8], channels: 1 }],
  [4, { depths: [8, 16], channels: 2 }],
  [6, { depths: [8, 16], channels: 4 }],
]);
/** Pillow's `MAX_IMAGE_PIXELS` × 2: above it, `Image.open` raises `DecompressionBombError`. */
const MAX_PIXELS = 2 * Math.floor((1024 * 1024 * 1024) / 4 / 3);
/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
const NO_INTERLACE = [[0, 0, 1, 1]] as const;

interface Walked {
  header: PngHeader;
  /** `[start, end)` of each chunk (type + data, the span its CRC covers) and the stored CRC. */
  spans: Array<{ type: string; start: number; end: number; crc: number }>;
}

function walkChunks(bytes: Uint8Array, file: string): Walked {
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== PNG_SIGNATURE[i])
      throw new ImageDecodeError(file, 'not a PNG (bad signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const spans: Walked['spans'] = [];
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
    spans.push({ type, start: pos + 4, end: end - 4, crc: view.getUint32(end - 4) });
    pos = end;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  const chunks = spans.map((s) => s.type);
  if (chunks[0] !== 'IHDR') throw new ImageDecodeError(file, 'corrupt PNG: IHDR is not first');
  if (spans[0].end - spans[0].start !== 17) {
    throw new ImageDecodeError(file, 'corrupt PNG: IHDR is not 13 bytes long');
  }
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
  if (!COLOR_TYPES.get(colorType)?.depths.includes(bitDepth)) {
    throw new ImageDecodeError(
      file,
      `corrupt PNG: invalid colour type ${colorType} / bit depth ${bitDepth}`,
    );
  }
  if (width === 0 || height === 0) throw new ImageDecodeError(file, 'corrupt PNG: zero size');
  const header = { width, height, bitDepth, colorType, interlaced: bytes[28] === 1, chunks };
  return { header, spans };
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

/** Undoes the PNG filter of the row at `at` (its filter byte) in place; `prev` is -1 on a pass's first row. */
function unfilterRow(raw: Uint8Array, at: number, prev: number, n: number, bpp: number): boolean {
  const s = at + 1;
  const p = prev + 1;
  switch (raw[at]) {
    case 0:
      return true;
    case 1:
      for (let i = bpp; i < n; i++) raw[s + i] = raw[s + i] + raw[s + i - bpp];
      return true;
    case 2:
      if (prev >= 0) for (let i = 0; i < n; i++) raw[s + i] = raw[s + i] + raw[p + i];
      return true;
    case 3:
      if (prev < 0) {
        for (let i = bpp; i < n; i++) raw[s + i] = raw[s + i] + (raw[s + i - bpp] >> 1);
      } else {
        for (let i = 0; i < bpp; i++) raw[s + i] = raw[s + i] + (raw[p + i] >> 1);
        for (let i = bpp; i < n; i++) {
          raw[s + i] = raw[s + i] + ((raw[s + i - bpp] + raw[p + i]) >> 1);
        }
      }
      return true;
    case 4:
      if (prev < 0) {
        // Paeth with no row above is the Sub filter.
        for (let i = bpp; i < n; i++) raw[s + i] = raw[s + i] + raw[s + i - bpp];
      } else {
        for (let i = 0; i < bpp; i++) raw[s + i] = raw[s + i] + raw[p + i];
        for (let i = bpp; i < n; i++) {
          const a = raw[s + i - bpp];
          const b = raw[p + i];
          const c = raw[p + i - bpp];
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - c - c);
          raw[s + i] = raw[s + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
      }
      return true;
    default:
      return false;
  }
}

/**
 * Writes `count` pixels of an unfiltered row (samples from `s`) to `out` as RGB, from byte
 * `o` in steps of `step` bytes, with Pillow's `convert('RGB')` conversions.
 */
function emitRow(
  raw: Uint8Array,
  s: number,
  count: number,
  h: PngHeader,
  palette: Uint8Array,
  out: Uint8Array,
  o: number,
  step: number,
): void {
  const { bitDepth: depth, colorType } = h;
  if (depth < 8) {
    // Gray scaled to 0…255 (×255, ×85, ×17) or palette indices, packed high bits first.
    const mask = (1 << depth) - 1;
    const scale = 255 / mask;
    for (let i = 0; i < count; i++, o += step) {
      const bit = i * depth;
      const v = (raw[s + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
      if (colorType === 3) {
        out[o] = palette[3 * v];
        out[o + 1] = palette[3 * v + 1];
        out[o + 2] = palette[3 * v + 2];
      } else {
        out[o] = out[o + 1] = out[o + 2] = v * scale;
      }
    }
    return;
  }
  const wide = depth === 16 ? 2 : 1;
  const channels = COLOR_TYPES.get(colorType)!.channels;
  const bpp = channels * wide;
  if (colorType === 3) {
    for (let i = 0; i < count; i++, o += step) {
      const v = 3 * raw[s + i];
      out[o] = palette[v];
      out[o + 1] = palette[v + 1];
      out[o + 2] = palette[v + 2];
    }
  } else if (colorType === 0 || colorType === 4) {
    for (let i = 0, j = s; i < count; i++, o += step, j += bpp) {
      // 16-bit gray opens as mode I and convert('RGB') clips it; gray+alpha keeps the high byte.
      const v = depth === 8 || colorType === 4 ? raw[j] : raw[j] > 0 ? 255 : raw[j + 1];
      out[o] = out[o + 1] = out[o + 2] = v;
    }
  } else if (step === 3 && bpp === 3) {
    out.set(raw.subarray(s, s + 3 * count), o);
  } else {
    // RGB/RGBA, 8 or 16 bits: the high byte of each sample, alpha dropped.
    for (let i = 0, j = s; i < count; i++, o += step, j += bpp) {
      out[o] = raw[j];
      out[o + 1] = raw[j + wide];
      out[o + 2] = raw[j + 2 * wide];
    }
  }
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
 * Every chunk's CRC is checked. Pure JavaScript: the same code runs in Node and in browsers.
 *
 * @param bytes - The file contents.
 * @param file - The name used in error messages.
 * @returns A new image owned by the caller.
 * @throws {@link ImageDecodeError} naming `file` for a truncated or corrupt PNG, or one of more
 *   than 178,956,970 pixels (Pillow's decompression-bomb limit).
 */
export function decodePng(bytes: Uint8Array, file = '<bytes>'): RgbImage {
  const { header, spans } = walkChunks(bytes, file);
  const { width, height, bitDepth, colorType } = header;
  if (width * height > MAX_PIXELS) {
    throw new ImageDecodeError(
      file,
      `image too large: ${width}×${height} pixels is over Pillow's decompression-bomb limit of ${MAX_PIXELS}`,
    );
  }
  const corrupt = (why: string) => new ImageDecodeError(file, `corrupt PNG: ${why}`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] > 1) {
    throw corrupt(
      `unknown compression, filter or interlace method (${bytes[26]}, ${bytes[27]}, ${bytes[28]})`,
    );
  }
  // Entries the PLTE chunk leaves out are Pillow's grey ramp (index i → (i, i, i)).
  const palette = new Uint8Array(256 * 3).map((_, i) => Math.floor(i / 3));
  let idatLength = 0;
  for (const { type, start, end, crc } of spans) {
    if (crc32(bytes, start, end) !== crc) throw corrupt(`CRC error in chunk '${type}'`);
    if (type === 'IDAT') idatLength += end - start - 4;
    else if (type === 'PLTE') palette.set(bytes.subarray(start + 4, Math.min(end, start + 772)));
  }
  if (colorType === 3 && !header.chunks.includes('PLTE')) {
    throw corrupt('palette image without PLTE');
  }
  const idat = new Uint8Array(idatLength);
  let at = 0;
  for (const { type, start, end } of spans) {
    if (type !== 'IDAT') continue;
    idat.set(bytes.subarray(start + 4, end), at);
    at += end - start - 4;
  }

  const channels = COLOR_TYPES.get(colorType)!.channels;
  const bitsPerPixel = channels * bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = (header.interlaced ? ADAM7 : NO_INTERLACE).map(([x0, y0, dx, dy]) => {
    const w = Math.max(0, Math.ceil((width - x0) / dx));
    const h = Math.max(0, Math.ceil((height - y0) / dy));
    return { x0, y0, dx, dy, w, h, rowBytes: Math.ceil((w * bitsPerPixel) / 8) };
  });
  const expected = passes.reduce((s, p) => s + (p.w === 0 ? 0 : p.h * (p.rowBytes + 1)), 0);

  let raw: Uint8Array;
  try {
    raw = unzlibSync(idat, { out: new Uint8Array(expected) });
  } catch (e) {
    throw corrupt((e as Error).message);
  }
  if (raw.length < expected) {
    throw corrupt(`too little image data (${raw.length} of ${expected} bytes)`);
  }

  const out = new Uint8Array(width * height * 3);
  let pos = 0;
  for (const p of passes) {
    if (p.w === 0) continue;
    for (let r = 0; r < p.h; r++, pos += p.rowBytes + 1) {
      if (!unfilterRow(raw, pos, r === 0 ? -1 : pos - p.rowBytes - 1, p.rowBytes, bpp)) {
        throw corrupt(`unknown filter type ${raw[pos]} in row ${r}`);
      }
      const o = 3 * ((p.y0 + r * p.dy) * width + p.x0);
      emitRow(raw, pos + 1, p.w, header, palette, out, o, 3 * p.dx);
    }
  }
  return { data: out, width, height };
}
