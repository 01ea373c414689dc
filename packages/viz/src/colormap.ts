import { roundHalfEven } from './internal/float.js';
import { assertImage } from './internal/validate.js';
import type { PixelImage, Rgb } from './types.js';

/** The OpenCV colormaps the reference uses: JET for overlays, BONE for `draw_heatmaps`. */
export const COLORMAPS = Object.freeze(['jet', 'bone'] as const);

/** One of {@link COLORMAPS}. */
export type ColormapName = (typeof COLORMAPS)[number];

const f32 = Math.fround;

/** OpenCV's `linspace`: float32 steps, `x0 + i·step` in float32. */
function linspace(n: number): Float32Array {
  const step = f32(1 / (n - 1));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f32(f32(i * step));
  return out;
}

/**
 * OpenCV's `interp1` (float32): for each query, binary-search the bracketing control points
 * and interpolate linearly, extrapolating from the end segments.
 */
function interp1(xs: Float32Array, ys: Float32Array, queries: Float32Array): Float32Array {
  const out = new Float32Array(queries.length);
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i];
    let low = 0;
    let high = xs.length - 1;
    if (q < xs[low]) high = 1;
    if (q > xs[high]) low = high - 1;
    while (high - low > 1) {
      const c = low + ((high - low) >> 1);
      if (q > xs[c]) low = c;
      else high = c;
    }
    const t = f32(f32(f32(q - xs[low]) * f32(ys[high] - ys[low])) / f32(xs[high] - xs[low]));
    out[i] = f32(ys[low] + t);
  }
  return out;
}

/**
 * The continuous JET ramps (GNU Octave's definition, which OpenCV's table samples): blue rises
 * from 0.5 to 1 on [0, 1/8], green rises on [1/8, 3/8], red rises on [3/8, 5/8] while blue
 * falls, green falls on [5/8, 7/8], red falls to 0.5 on [7/8, 1].
 */
function jet(x: number): [number, number, number] {
  const r = x < 3 / 8 ? 0 : x < 5 / 8 ? 4 * x - 3 / 2 : x < 7 / 8 ? 1 : -4 * x + 9 / 2;
  const g =
    x < 1 / 8 ? 0 : x < 3 / 8 ? 4 * x - 1 / 2 : x < 5 / 8 ? 1 : x < 7 / 8 ? -4 * x + 7 / 2 : 0;
  const b = x < 1 / 8 ? 4 * x + 1 / 2 : x < 3 / 8 ? 1 : x < 5 / 8 ? -4 * x + 5 / 2 : 0;
  return [r, g, b];
}

/**
 * The continuous BONE ramps: `(7·gray + reversed hot) / 8`, where hot's red, green and blue
 * rise in turn over [0, 3/8], [3/8, 3/4] and [3/4, 1], and "reversed" swaps red and blue.
 */
function bone(x: number): [number, number, number] {
  const hotR = Math.min(1, (x * 8) / 3);
  const hotG = Math.min(1, Math.max(0, (x * 8) / 3 - 1));
  const hotB = Math.max(0, x * 4 - 3);
  return [(7 * x + hotB) / 8, (7 * x + hotG) / 8, (7 * x + hotR) / 8];
}

/**
 * Control points: OpenCV samples JET at 256 and BONE at 64 evenly spaced positions, stores
 * them as float32, and builds the 8-bit table by `interp1` onto 256 positions.
 */
const DEFINITIONS: Record<ColormapName, { points: number; ramp: (x: number) => number[] }> = {
  jet: { points: 256, ramp: jet },
  bone: { points: 64, ramp: bone },
};

const cache = new Map<ColormapName, Uint8Array>();

function buildLut(name: ColormapName): Uint8Array {
  const { points, ramp } = DEFINITIONS[name];
  const xs = linspace(points);
  const channels = [new Float32Array(points), new Float32Array(points), new Float32Array(points)];
  for (let i = 0; i < points; i++) {
    const rgb = ramp(i / (points - 1));
    for (let c = 0; c < 3; c++) channels[c][i] = rgb[c];
  }
  const queries = linspace(256);
  const lut = new Uint8Array(256 * 3);
  for (let c = 0; c < 3; c++) {
    const values = interp1(xs, channels[c], queries);
    // Mat::convertTo(CV_8U, 255.): float32 product, round half to even, saturate.
    for (let i = 0; i < 256; i++) {
      lut[i * 3 + c] = Math.min(255, Math.max(0, roundHalfEven(f32(values[i] * 255))));
    }
  }
  return lut;
}

function lutFor(name: ColormapName): Uint8Array {
  if (!COLORMAPS.includes(name)) {
    throw new Error(
      `colormap must be one of ${COLORMAPS.map((c) => `'${c}'`).join(' | ')}, got '${String(name)}'`,
    );
  }
  let lut = cache.get(name);
  if (!lut) {
    lut = buildLut(name);
    cache.set(name, lut);
  }
  return lut;
}

/**
 * OpenCV's 256-entry lookup table for a colormap, in RGB order (OpenCV stores BGR; the
 * reference flips it), computed the way OpenCV 4.6 builds it: float32 control points of the
 * continuous map, `interp1` to 256 positions, ×255 rounded half to even. Verified entry by
 * entry against `cv2.applyColorMap` (see `test/fixtures/colormaps.json`).
 *
 * Output shape: `[256, 3]`, flattened.
 *
 * @param name - `'jet'` or `'bone'`.
 * @returns A new 768-byte array: entry `v` is bytes `3v … 3v + 2`.
 * @throws If `name` is not one of {@link COLORMAPS}.
 *
 * @example
 * ```ts doctest
 * import { colormapLut } from '@patchfx/viz';
 * const jet = colormapLut('jet');
 * Array.from(jet.subarray(0, 3)); // => [0, 0, 128]
 * Array.from(jet.subarray(255 * 3)); // => [128, 0, 0]
 * ```
 */
export function colormapLut(name: ColormapName): Uint8Array {
  return Uint8Array.from(lutFor(name));
}

/**
 * The colour of one 8-bit value under a colormap.
 *
 * @param name - `'jet'` or `'bone'`.
 * @param value - 0–255 (rounded and clamped).
 * @returns `[r, g, b]`.
 *
 * @example
 * ```ts doctest
 * import { colormapColor } from '@patchfx/viz';
 * colormapColor('bone', 255); // => [255, 255, 255]
 * ```
 */
export function colormapColor(name: ColormapName, value: number): Rgb {
  const lut = lutFor(name);
  const v = Math.min(255, Math.max(0, Math.round(value))) * 3;
  return [lut[v], lut[v + 1], lut[v + 2]];
}

/**
 * Colours a gray image through a colormap: `cv2.applyColorMap(gray, cmap)[..., ::-1]`.
 *
 * Input shape: `[height, width, 1]`. Output shape: `[height, width, 3]` (RGB).
 *
 * @param gray - A 1-channel image (e.g. from `mapToGray`). OpenCV would convert a 3-channel
 *   input to gray first; here that is an error, so a colour image is never coloured by mistake.
 * @param name - `'jet'` or `'bone'`.
 * @returns A new RGB image.
 * @throws If the image is not 1-channel or the colormap is unknown.
 *
 * @example
 * ```ts doctest
 * import { applyColormap } from '@patchfx/viz';
 * const gray = { data: new Uint8Array([0, 255]), width: 2, height: 1, channels: 1 as const };
 * Array.from(applyColormap(gray, 'jet').data); // => [0, 0, 128, 128, 0, 0]
 * ```
 */
export function applyColormap(gray: PixelImage, name: ColormapName): PixelImage {
  assertImage(gray, 'gray', [1]);
  const lut = lutFor(name);
  const n = gray.width * gray.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = gray.data[i] * 3;
    out[i * 3] = lut[v];
    out[i * 3 + 1] = lut[v + 1];
    out[i * 3 + 2] = lut[v + 2];
  }
  return { data: out, width: gray.width, height: gray.height, channels: 3 };
}
