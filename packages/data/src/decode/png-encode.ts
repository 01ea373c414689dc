/**
 * The one PNG encoder of patchfx: 8-bit gray, gray+alpha, RGB or RGBA, non-interlaced. Pure
 * JavaScript (deflate from `fflate`), so it runs the same in Node and in browsers, and the same
 * pixels and options always give the same bytes.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../crc32.js';

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE = Object.freeze([137, 80, 78, 71, 13, 10, 26, 10] as const);

/** Row filters {@link encodePng} can apply (PNG filter types 0 and 4). */
export const PNG_FILTERS = Object.freeze(['none', 'paeth'] as const);

/** One of {@link PNG_FILTERS}. */
export type PngFilter = (typeof PNG_FILTERS)[number];

/** Pixels to encode: row-major, `channels` interleaved 8-bit values per pixel. */
export interface PngPixels {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Per-call options of {@link encodePng}. */
export interface PngEncodeOptions {
  /**
   * The filter of every row: `'none'`, or `'paeth'` (smaller files for photos and maps).
   * @defaultValue 'paeth'
   */
  readonly filter?: PngFilter;
  /**
   * zlib level 0–9; 0 stores the rows uncompressed (deflate "stored" blocks).
   * @defaultValue 6
   */
  readonly level?: number;
}

/** PNG colour type of each channel count. */
const COLOR_TYPES = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/**
 * Encodes 8-bit pixels as a PNG, keeping their colour type (gray → 0, gray+alpha → 4, RGB → 2,
 * RGBA → 6): one IHDR, one IDAT, one IEND chunk.
 *
 * Input shape: `[height, width, channels]`, row-major.
 *
 * @param image - The pixels.
 * @param options - See {@link PngEncodeOptions}.
 * @returns The PNG file's bytes, owned by the caller.
 * @throws When the size, channel count, data length, filter or level is invalid.
 *
 * @example
 * ```ts doctest
 * import { decodePng, encodePng } from '@patchfx/data';
 * const png = encodePng({ width: 2, height: 1, channels: 3, data: new Uint8Array([1, 2, 3, 4, 5, 6]) });
 * Array.from(decodePng(png).data); // => [1, 2, 3, 4, 5, 6]
 * ```
 */
export function encodePng(image: PngPixels, options: PngEncodeOptions = {}): Uint8Array {
  const { width, height, channels, data } = image;
  const filter = options.filter ?? 'paeth';
  const level = options.level ?? 6;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!(Number.isInteger(v) && v > 0 && v <= 0x7fffffff)) {
      throw new Error(`encodePng: ${name} must be a positive integer, got ${v}`);
    }
  }
  if (!(channels in COLOR_TYPES)) {
    throw new Error(`encodePng: channels must be one of 1 | 2 | 3 | 4, got ${String(channels)}`);
  }
  if (data.length !== width * height * channels) {
    throw new Error(`encodePng: expected ${width * height * channels} values, got ${data.length}`);
  }
  if (!PNG_FILTERS.includes(filter)) {
    throw new Error(
      `encodePng: filter must be one of ${PNG_FILTERS.map((f) => `'${f}'`).join(' | ')}, got ${JSON.stringify(filter)}`,
    );
  }
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) {
    throw new Error(`encodePng: level must be an integer 0–9, got ${level}`);
  }
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const row = y * stride;
    if (filter === 'none') {
      raw.set(data.subarray(row, row + stride), o + 1);
      continue;
    }
    raw[o] = 4;
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? data[row + i - channels] : 0;
      const up = y > 0 ? data[row - stride + i] : 0;
      const upLeft = y > 0 && i >= channels ? data[row - stride + i - channels] : 0;
      raw[o + 1 + i] = (data[row + i] - paeth(left, up, upLeft)) & 0xff;
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = COLOR_TYPES[channels];
  const parts = [
    Uint8Array.from(PNG_SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', zlibSync(raw, { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 })),
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

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

/** The Paeth predictor of PNG filter type 4 (left `a`, up `b`, upper-left `c`). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
