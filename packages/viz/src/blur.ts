import { applyColormap, type ColormapName } from './colormap.js';
import { YELLOW } from './draw.js';
import { truncByte } from './internal/float.js';
import { assertColor, toRgbBytes } from './internal/image.js';
import { numpySum } from './internal/numpy-sum.js';
import { assertInRange, assertMap, assertSize, pixelImage } from './internal/validate.js';
import { mapToGray, normalizeMinMax } from './normalize.js';
import { resizeMapBilinear } from './resize.js';
import type { PatchMap, PixelImage, PixelImageInput, Rgb, Size } from './types.js';

/** A Gaussian width in pixels: one for both axes, or `[rows, columns]` (scipy's axis order). */
export type Sigma = number | readonly [number, number];

/** Options for {@link gaussianFilter}. */
export interface GaussianFilterOptions {
  /**
   * Kernel radius in standard deviations: radius = `floor(truncate·σ + 0.5)`.
   * @defaultValue 4
   */
  readonly truncate?: number;
}

/** scipy's 1-D Gaussian weights for σ > 0: `exp(−0.5/σ²·x²)` over [−r, r], divided by their numpy sum. */
function gaussianKernel(sigma: number, truncate: number): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  const c = -0.5 / (sigma * sigma);
  for (let x = -radius; x <= radius; x++) k[x + radius] = Math.exp(c * (x * x));
  const total = numpySum(k);
  for (let i = 0; i < k.length; i++) k[i] /= total;
  return k;
}

/** Index into [0, n) under scipy's 'reflect' extension (d c b a | a b c d | d c b a), repeated. */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

/**
 * Correlates every line along one axis with a symmetric kernel, the way scipy's
 * `correlate1d` does for symmetric weights: `x·w₀ + Σⱼ (x₋ⱼ + x₊ⱼ)·wⱼ` in float64, from the
 * outermost tap inwards; the result is rounded by `store` (float32 for float32 maps).
 */
function correlateAxis(
  src: ArrayLike<number>,
  dst: Float32Array | Float64Array,
  height: number,
  width: number,
  axis: 0 | 1,
  kernel: Float64Array,
): void {
  const radius = (kernel.length - 1) / 2;
  const length = axis === 0 ? height : width;
  const lines = axis === 0 ? width : height;
  const stride = axis === 0 ? width : 1;
  const lineStep = axis === 0 ? 1 : width;
  const line = new Float64Array(length + 2 * radius);
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    for (let i = -radius; i < length + radius; i++) {
      line[i + radius] = src[base + reflect(i, length) * stride];
    }
    for (let i = 0; i < length; i++) {
      const c = i + radius;
      let acc = line[c] * kernel[radius];
      for (let j = -radius; j < 0; j++) acc += (line[c + j] + line[c - j]) * kernel[radius + j];
      dst[base + i * stride] = acc;
    }
  }
}

/**
 * Gaussian blur of a map matching `scipy.ndimage.gaussian_filter(map, sigma, mode='reflect',
 * truncate=4.0)`: separable 1-D Gaussians, rows axis first, each normalised to sum 1, the border
 * extended by mirror reflection (`d c b a | a b c d | d c b a`, repeated for kernels wider than
 * the map). An axis with σ = 0 is left alone.
 *
 * A `Float32Array` map is filtered as scipy filters a float32 array (float64 sums, float32
 * result after each axis) and gives `Float32Array` data; any other input gives `Float64Array`.
 *
 * Input shape: `[height, width]`. Output shape: the same.
 *
 * @param map - The map (σ is in map cells, e.g. patch-grid units).
 * @param sigma - σ for both axes, or `[σ_rows, σ_columns]`; each ≥ 0.
 * @param options - See {@link GaussianFilterOptions}.
 * @returns A new map.
 * @throws If the map is malformed or a σ is negative or not finite.
 *
 * @example
 * ```ts doctest
 * import { gaussianFilter } from '@patchfx/viz';
 * const flat = gaussianFilter({ data: [3, 3, 3, 3], height: 2, width: 2 }, 1);
 * Array.from(flat.data).map((v) => Math.round(v * 1e9) / 1e9); // => [3, 3, 3, 3]
 * const spike = gaussianFilter({ data: [0, 0, 1, 0, 0], height: 1, width: 5 }, [0, 1]);
 * spike.data[2] > spike.data[1] && spike.data[1] > spike.data[0]; // => true
 * ```
 */
export function gaussianFilter(
  map: PatchMap,
  sigma: Sigma,
  options: GaussianFilterOptions = {},
): PatchMap<Float32Array | Float64Array> {
  assertMap(map);
  const [sy, sx] = typeof sigma === 'number' ? [sigma, sigma] : sigma;
  for (const [s, what] of [
    [sy, 'sigma (rows)'],
    [sx, 'sigma (columns)'],
  ] as const) {
    if (!(Number.isFinite(s) && s >= 0))
      throw new Error(`${what} must be a finite number ≥ 0, got ${s}`);
  }
  const truncate = options.truncate ?? 4;
  if (!(Number.isFinite(truncate) && truncate > 0)) {
    throw new Error(`truncate must be a finite number > 0, got ${truncate}`);
  }
  const { height, width } = map;
  const f32 = map.data instanceof Float32Array;
  const make = (n: number) => (f32 ? new Float32Array(n) : new Float64Array(n));
  let current: ArrayLike<number> = map.data;
  const sigmas = [sy, sx] as const;
  for (const axis of [0, 1] as const) {
    // scipy skips axes whose sigma is (numerically) zero.
    if (sigmas[axis] <= 1e-15) continue;
    const next = make(height * width);
    correlateAxis(current, next, height, width, axis, gaussianKernel(sigmas[axis], truncate));
    current = next;
  }
  if (current === map.data) current = make(height * width).map((_, i) => map.data[i]);
  return { data: current as Float32Array | Float64Array, height, width };
}

/**
 * The pixels just outside a mask: those not in the mask with at least one of their 8
 * neighbours in it (a 3×3 dilation minus the mask; nothing outside the image counts).
 *
 * Input shape: `[height, width]` (nonzero = inside). Output shape: the same (1 = contour).
 *
 * @param mask - `height · width` values.
 * @param size - The mask's size.
 * @returns A new `Uint8Array` of 0/1.
 * @throws If the sizes disagree.
 *
 * @example
 * ```ts doctest
 * import { outerContour } from '@patchfx/viz';
 * const mask = new Uint8Array(9);
 * mask[4] = 1;
 * Array.from(outerContour(mask, { height: 3, width: 3 })); // => [1, 1, 1, 1, 0, 1, 1, 1, 1]
 * ```
 */
export function outerContour(mask: ArrayLike<number | boolean>, size: Size): Uint8Array {
  assertSize(size);
  const { height, width } = size;
  if (mask.length !== height * width) {
    throw new Error(
      `mask has ${mask.length} values, expected ${height}·${width} = ${height * width}`,
    );
  }
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x]) continue;
      let hit = false;
      for (let dy = -1; dy <= 1 && !hit; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && mask[yy * width + xx]) {
            hit = true;
            break;
          }
        }
      }
      if (hit) out[y * width + x] = 1;
    }
  }
  return out;
}

/** Which side of the threshold {@link overlayBlur} highlights. */
export const BLUR_DIRECTIONS = Object.freeze(['above', 'below'] as const);

/** One of {@link BLUR_DIRECTIONS}. */
export type BlurDirection = (typeof BLUR_DIRECTIONS)[number];

/** Options for {@link overlayBlur}. */
export interface OverlayBlurOptions {
  /**
   * Gaussian σ in patch-map cells (`[rows, columns]` or one for both).
   * @defaultValue 1
   */
  readonly sigma?: Sigma;
  /**
   * Mask threshold on the normalised, resized map.
   * @defaultValue 0.5
   */
  readonly threshold?: number;
  /**
   * `'above'` colours where the map is ≥ threshold (high P(real), used for real images);
   * `'below'` where it is < threshold (fake-looking regions, used for images under `/fakes/`).
   * @defaultValue 'above'
   */
  readonly direction?: BlurDirection;
  /**
   * The notebook min-max normalises the blurred map only when the raw map's range exceeds this
   * (a nearly flat map is left as is rather than blown up). `0` always normalises.
   * @defaultValue 0.001
   */
  readonly minRange?: number;
  /**
   * Weight of the coloured map inside the mask (the image gets `1 − heatmapWeight`).
   * @defaultValue 0.5
   */
  readonly heatmapWeight?: number;
  /**
   * Colormap.
   * @defaultValue 'jet'
   */
  readonly colormap?: ColormapName;
  /**
   * Colour of the mask's outer contour; `null` draws none.
   * @defaultValue {@link YELLOW}
   */
  readonly contourColor?: Rgb | null;
}

/** Defaults of {@link OverlayBlurOptions}. */
export const DEFAULT_OVERLAY_BLUR_OPTIONS = Object.freeze({
  sigma: 1 as Sigma,
  threshold: 0.5,
  direction: 'above' as BlurDirection,
  minRange: 0.001,
  heatmapWeight: 0.5,
  colormap: 'jet' as ColormapName,
  contourColor: YELLOW as Rgb | null,
});

/**
 * The overlay-notebook view (`overlay_blur`, spec §7.3): Gaussian-blur the patch map →
 * min-max normalise → bilinear resize (float) to the image → threshold into a mask → inside the
 * mask, JET of the map blended 0.5/0.5 with the image; outside, the plain image → paint the
 * mask's 8-neighbour outer contour yellow.
 *
 * Input shape: image `[H, W, C]` (alpha ignored), map `[h, w]`. Output shape: `[H, W, 3]` (RGB).
 *
 * @param input - The image (the notebook resizes it to 128×128 first).
 * @param map - The raw P(real) patch map.
 * @param options - See {@link OverlayBlurOptions}.
 * @returns `{ image, mask }`: the new RGB image and the mask (`Uint8Array`, 1 = highlighted).
 * @throws If inputs are malformed or an option is out of range (errors list allowed values).
 *
 * @example
 * ```ts doctest
 * import { overlayBlur } from '@patchfx/viz';
 * const image = { data: new Uint8Array(16 * 16 * 3).fill(90), width: 16, height: 16, channels: 3 as const };
 * const map = { data: [0, 0, 0, 0, 1, 0, 0, 0, 0], height: 3, width: 3 };
 * const { image: out, mask } = overlayBlur(image, map, { sigma: 0.5 });
 * mask[8 * 16 + 8]; // => 1
 * mask[0]; // => 0
 * Array.from(out.data.subarray(0, 3)); // => [90, 90, 90]
 * ```
 */
export function overlayBlur(
  input: PixelImageInput,
  map: PatchMap,
  options: OverlayBlurOptions = {},
): { image: PixelImage; mask: Uint8Array } {
  const image = pixelImage(input);
  assertMap(map);
  const sigma = options.sigma ?? DEFAULT_OVERLAY_BLUR_OPTIONS.sigma;
  const threshold = options.threshold ?? DEFAULT_OVERLAY_BLUR_OPTIONS.threshold;
  const direction = options.direction ?? DEFAULT_OVERLAY_BLUR_OPTIONS.direction;
  const minRange = options.minRange ?? DEFAULT_OVERLAY_BLUR_OPTIONS.minRange;
  const wh = options.heatmapWeight ?? DEFAULT_OVERLAY_BLUR_OPTIONS.heatmapWeight;
  const colormap = options.colormap ?? DEFAULT_OVERLAY_BLUR_OPTIONS.colormap;
  const contour =
    options.contourColor === undefined
      ? DEFAULT_OVERLAY_BLUR_OPTIONS.contourColor
      : options.contourColor;
  if (!BLUR_DIRECTIONS.includes(direction)) {
    throw new Error(
      `direction must be one of ${BLUR_DIRECTIONS.map((d) => `'${d}'`).join(' | ')}, got '${String(direction)}'`,
    );
  }
  assertInRange(wh, 0, 1, 'heatmapWeight');
  if (!Number.isFinite(threshold))
    throw new Error(`threshold must be a finite number, got ${threshold}`);
  if (contour) assertColor(contour, 'contourColor');

  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.data.length; i++) {
    lo = Math.min(lo, map.data[i]);
    hi = Math.max(hi, map.data[i]);
  }
  let blurred = gaussianFilter(map, sigma);
  if (hi - lo > minRange) blurred = normalizeMinMax(blurred);
  const size = { height: image.height, width: image.width };
  const big = resizeMapBilinear(blurred, size);
  const n = size.height * size.width;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const above = big.data[i] >= threshold;
    mask[i] = (direction === 'above' ? above : !above) ? 1 : 0;
  }
  const heat = applyColormap(mapToGray(big), colormap).data;
  const rgb = toRgbBytes(image);
  const wi = 1 - wh;
  const out = Uint8Array.from(rgb);
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    for (let c = 0; c < 3; c++)
      out[i * 3 + c] = truncByte(heat[i * 3 + c] * wh + rgb[i * 3 + c] * wi);
  }
  if (contour) {
    const edge = outerContour(mask, size);
    for (let i = 0; i < n; i++) {
      if (edge[i]) out.set(contour, i * 3);
    }
  }
  return { image: { data: out, width: image.width, height: image.height, channels: 3 }, mask };
}

/** Options for {@link renderAverageHeatmap}. */
export interface BoneHeatmapOptions {
  /**
   * Gaussian σ in map cells.
   * @defaultValue [2, 2]
   */
  readonly sigma?: Sigma;
  /**
   * Output size.
   * @defaultValue { height: 128, width: 128 }
   */
  readonly size?: Size;
  /**
   * Colormap.
   * @defaultValue 'bone'
   */
  readonly colormap?: ColormapName;
}

/**
 * The `draw_heatmaps` view of the overlay notebook (spec §7.3): blur an average heatmap,
 * min-max normalise it, resize it (bilinear, float) and colour it with BONE. Pass
 * {@link combineEasiestAverages} of the reals' and fakes' averages for the "easiest avg" panel.
 *
 * Input shape: `[h, w]`. Output shape: `[size.height, size.width, 3]` (RGB).
 *
 * @param map - Usually a `heatmap_avg` map.
 * @param options - See {@link BoneHeatmapOptions}.
 * @returns A new RGB image.
 * @throws If the map is malformed.
 *
 * @example
 * ```ts doctest
 * import { renderAverageHeatmap } from '@patchfx/viz';
 * const img = renderAverageHeatmap({ data: [0, 1, 1, 0], height: 2, width: 2 }, { size: { height: 8, width: 8 } });
 * [img.width, img.height, img.channels]; // => [8, 8, 3]
 * ```
 */
export function renderAverageHeatmap(map: PatchMap, options: BoneHeatmapOptions = {}): PixelImage {
  const size = options.size ?? { height: 128, width: 128 };
  assertSize(size);
  const blurred = normalizeMinMax(gaussianFilter(map, options.sigma ?? [2, 2]));
  return applyColormap(mapToGray(resizeMapBilinear(blurred, size)), options.colormap ?? 'bone');
}

/**
 * The notebook's "easiest avg" map: `(reals + 1 − fakes) / 2`, combining the mean P(real) map of
 * the most confidently real images with the complement of the fakes' one, so both read "high =
 * evidence for the correct class".
 *
 * Input shape: two `[h, w]` maps. Output shape: `[h, w]`.
 *
 * @param reals - Mean P(real) map of `vis/reals/easiest`.
 * @param fakes - Mean P(real) map of `vis/fakes/easiest`.
 * @returns A new map with `Float32Array` data.
 * @throws If the sizes differ.
 *
 * @example
 * ```ts doctest
 * import { combineEasiestAverages } from '@patchfx/viz';
 * const r = { data: [1, 0.5], height: 1, width: 2 };
 * const f = { data: [0, 0.5], height: 1, width: 2 };
 * Array.from(combineEasiestAverages(r, f).data); // => [1, 0.5]
 * ```
 */
export function combineEasiestAverages(reals: PatchMap, fakes: PatchMap): PatchMap<Float32Array> {
  assertMap(reals, 'reals');
  assertMap(fakes, 'fakes');
  if (reals.height !== fakes.height || reals.width !== fakes.width) {
    throw new Error(
      `reals is ${reals.height}×${reals.width} but fakes is ${fakes.height}×${fakes.width}; they must match`,
    );
  }
  const out = new Float32Array(reals.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (reals.data[i] + 1 - fakes.data[i]) / 2;
  return { data: out, height: reals.height, width: reals.width };
}
