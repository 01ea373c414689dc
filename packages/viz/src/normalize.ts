import { roundingFor, truncByte } from './internal/float.js';
import { assertMap } from './internal/validate.js';
import type { PatchMap, PixelImage } from './types.js';

/** Options for {@link normalizeMinMax}. */
export interface NormalizeOptions {
  /**
   * Added to the divisor: `(x − min) / ((max − min) + epsilon)`. `0` is the plain min-max of
   * `heatmap_avg.png` and the notebooks; {@link OVERLAY_EPSILON} is the `test.py --visualize`
   * patch overlay (spec §4.4).
   * @defaultValue 0
   */
  readonly epsilon?: number;
}

/** The epsilon `test.py --visualize` adds to the divisor of its patch-overlay normalisation (spec §4.4). */
export const OVERLAY_EPSILON = 1e-6;

/**
 * Min-max normalises a map: subtracts the minimum, then divides by the (shifted) maximum plus
 * `epsilon`.
 *
 * Float32 maps are computed in float32 arithmetic, step for step as numpy does for the
 * reference's float32 heatmaps (the divisor `max + epsilon` is formed in float64 and rounded
 * once); other inputs are computed in float64. A constant map has nothing to stretch: with
 * `epsilon = 0` the reference would divide 0 by 0 (NaN); here every value becomes 0.
 *
 * Input shape: `[height, width]`. Output shape: the same.
 *
 * @param map - The map (any finite values).
 * @param options - See {@link NormalizeOptions}.
 * @returns A new map with `Float32Array` data in [0, 1] (slightly under 1 when `epsilon > 0`).
 * @throws If the map's data length does not match its size, or epsilon is negative.
 *
 * @example
 * ```ts doctest
 * import { normalizeMinMax, OVERLAY_EPSILON } from '@patchfx/viz';
 * const map = { data: [2, 4, 6, 10], height: 2, width: 2 };
 * Array.from(normalizeMinMax(map).data); // => [0, 0.25, 0.5, 1]
 * normalizeMinMax(map, { epsilon: OVERLAY_EPSILON }).data[3] < 1; // => true
 * ```
 */
export function normalizeMinMax(
  map: PatchMap,
  options: NormalizeOptions = {},
): PatchMap<Float32Array> {
  assertMap(map);
  const epsilon = options.epsilon ?? 0;
  if (!(epsilon >= 0)) throw new Error(`epsilon must be ≥ 0, got ${epsilon}`);
  const r = roundingFor(map.data);
  const n = map.data.length;
  let min = Infinity;
  for (let i = 0; i < n; i++) if (map.data[i] < min) min = map.data[i];
  const shifted = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    shifted[i] = r(map.data[i] - min);
    if (shifted[i] > max) max = shifted[i];
  }
  const divisor = r(max + epsilon);
  const out = new Float32Array(n);
  if (divisor > 0) for (let i = 0; i < n; i++) out[i] = r(shifted[i] / divisor);
  return { data: out, height: map.height, width: map.width };
}

/**
 * The element-wise mean of several same-size maps (the reference's `heatmap_avg`).
 *
 * When every map is float32 the sum runs in float32, map by map, and is then divided in float32,
 * as `np.mean(stack, axis=0)` does; otherwise it runs in float64.
 *
 * Input shape: `n` maps of `[height, width]`. Output shape: `[height, width]`.
 *
 * @param maps - At least one map, all the same size.
 * @returns A new map with `Float32Array` data.
 * @throws If `maps` is empty or the sizes differ.
 *
 * @example
 * ```ts doctest
 * import { averageMaps } from '@patchfx/viz';
 * const a = { data: [0, 1], height: 1, width: 2 };
 * const b = { data: [1, 1], height: 1, width: 2 };
 * Array.from(averageMaps([a, b]).data); // => [0.5, 1]
 * ```
 */
export function averageMaps(maps: readonly PatchMap[]): PatchMap<Float32Array> {
  if (maps.length === 0) throw new Error('averageMaps needs at least one map');
  const { height, width } = maps[0];
  maps.forEach((m, i) => {
    assertMap(m, `maps[${i}]`);
    if (m.height !== height || m.width !== width) {
      throw new Error(
        `maps[${i}] is ${m.height}×${m.width}, but maps[0] is ${height}×${width}; all maps must have the same size`,
      );
    }
  });
  const r = maps.every((m) => m.data instanceof Float32Array) ? Math.fround : (x: number) => x;
  const sum = new Float64Array(height * width);
  for (const m of maps) for (let i = 0; i < sum.length; i++) sum[i] = r(sum[i] + m.data[i]);
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = r(sum[i] / maps.length);
  return { data: out, height, width };
}

/** Options for {@link mapToGray}. */
export interface MapToGrayOptions {
  /**
   * Multiplier before truncation: the reference's `np.uint8(255 * map)`.
   * @defaultValue 255
   */
  readonly scale?: number;
}

/**
 * Converts a map to an 8-bit gray image as `np.uint8(scale * map)` does for values in range:
 * multiply (in float32 for float32 maps), then truncate toward zero.
 *
 * Values outside [0, 255] after scaling are clamped (numpy would wrap them around), NaN becomes 0.
 *
 * Input shape: `[height, width]`. Output shape: `[height, width, 1]`.
 *
 * @param map - Usually a normalised map in [0, 1].
 * @param options - See {@link MapToGrayOptions}.
 * @returns A new 1-channel image.
 *
 * @example
 * ```ts doctest
 * import { mapToGray } from '@patchfx/viz';
 * Array.from(mapToGray({ data: [0, 0.5, 0.999, 1], height: 1, width: 4 }).data); // => [0, 127, 254, 255]
 * ```
 */
export function mapToGray(map: PatchMap, options: MapToGrayOptions = {}): PixelImage {
  assertMap(map);
  const scale = options.scale ?? 255;
  const r = roundingFor(map.data);
  const out = new Uint8Array(map.data.length);
  for (let i = 0; i < out.length; i++) out[i] = truncByte(r(scale * map.data[i]));
  return { data: out, width: map.width, height: map.height, channels: 1 };
}
