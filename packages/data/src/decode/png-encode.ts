/**
 * The one PNG encoder of patchfx: 8-bit gray, gray+alpha, RGB or RGBA, non-interlaced. Pure
 * JavaScript (deflate from `fflate` unless a compressor is given), so it runs the same in Node
 * and in browsers, and the same pixels and options always give the same bytes.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../crc32.js';

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE = Object.freeze([137, 80, 78, 71, 13, 10, 26, 10] as const);

/**
 * Row filters {@link encodePng} can apply: the five PNG filter types (0 `'none'`, 1 `'sub'`,
 * 2 `'up'`, 3 `'average'`, 4 `'paeth'`), or `'adaptive'`, which picks one per row as pngjs does:
 * the type whose differences `value − prediction` (taken before wrapping to a byte) have the
 * smallest sum of absolute values, the lowest type on a tie.
 */
export const PNG_FILTERS = Object.freeze([
  'none',
  'sub',
  'up',
  'average',
  'paeth',
  'adaptive',
] as const);

/** One of {@link PNG_FILTERS}. */
export type PngFilter = (typeof PNG_FILTERS)[number];

/**
 * A zlib (RFC 1950) compressor: gets the filtered rows (a filter byte before each row) and the
 * level 0–9, returns one zlib stream.
 */
export type PngDeflate = (raw: Uint8Array, level: number) => Uint8Array;

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
   * The row filter: one filter type for every row (`'paeth'` gives smaller files for photos and
   * maps than `'none'`), or `'adaptive'` (see {@link PNG_FILTERS}).
   * @defaultValue 'paeth'
   */
  readonly filter?: PngFilter;
  /**
   * zlib level 0–9, handed to the compressor; 0 stores the rows uncompressed (deflate "stored"
   * blocks of up to 65535 bytes) with the default compressor.
   * @defaultValue 6
   */
  readonly level?: number;
  /**
   * The compressor. By default `fflate`'s `zlibSync` (pure JavaScript, any platform). Node
   * writers that must keep the bytes `node:zlib` gives pass it here, e.g.
   * `(raw, level) => deflateSync(raw, { level })`.
   */
  readonly deflate?: PngDeflate;
}

/** PNG colour type of each channel count. */
const COLOR_TYPES = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/** The PNG filter type number of each fixed filter. */
const FILTER_TYPES = { none: 0, sub: 1, up: 2, average: 3, paeth: 4 } as const;

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
    let type: number = filter === 'adaptive' ? 0 : FILTER_TYPES[filter];
    if (filter === 'adaptive') {
      let min = Infinity;
      for (let t = 0; t <= 4; t++) {
        const cost = filterRow(t, data, y, stride, channels, null, 0);
        if (cost < min) {
          type = t;
          min = cost;
        }
      }
    }
    const o = y * (stride + 1);
    raw[o] = type;
    filterRow(type, data, y, stride, channels, raw, o + 1);
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
    chunk('IDAT', (options.deflate ?? fflateDeflate)(raw, level)),
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

/**
 * Applies PNG filter `type` (0–4) to row `y` of `data`: writes each byte's difference from its
 * prediction, wrapped to a byte, to `out` from `at` (unless `out` is null) and returns the sum of
 * the differences' absolute values before wrapping (the cost the adaptive choice compares).
 */
function filterRow(
  type: number,
  data: Uint8Array | Uint8ClampedArray,
  y: number,
  stride: number,
  bpp: number,
  out: Uint8Array | null,
  at: number,
): number {
  const row = y * stride;
  const above = row - stride;
  let sum = 0;
  for (let i = 0; i < stride; i++) {
    const left = i >= bpp ? data[row + i - bpp] : 0;
    const up = y > 0 ? data[above + i] : 0;
    let prediction: number;
    switch (type) {
      case 0:
        prediction = 0;
        break;
      case 1:
        prediction = left;
        break;
      case 2:
        prediction = up;
        break;
      case 3:
        prediction = (left + up) >> 1;
        break;
      default:
        prediction = paeth(left, up, y > 0 && i >= bpp ? data[above + i - bpp] : 0);
    }
    const d = data[row + i] - prediction;
    sum += d < 0 ? -d : d;
    if (out) out[at + i] = d & 0xff;
  }
  return sum;
}

/**
 * The default compressor: `fflate`'s `zlibSync`. At level 0 fflate ends a stream whose length is
 * a multiple of 65535 with an extra empty stored block; it is dropped, so the stream is exactly
 * `ceil(n / 65535)` stored blocks.
 */
function fflateDeflate(raw: Uint8Array, level: number): Uint8Array {
  const z = zlibSync(raw, { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 });
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const stored = 2 + 5 * blocks + raw.length + 4;
  if (level !== 0 || z.length === stored) return z;
  const out = new Uint8Array(stored);
  out.set(z.subarray(0, stored - 4));
  out.set(z.subarray(z.length - 4), stored - 4);
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
