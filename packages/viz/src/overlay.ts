import { applyColormap, type ColormapName } from './colormap.js';
import { drawRectInPlace, GREEN, RED } from './draw.js';
import { truncByte } from './internal/float.js';
import { toRgbBytes } from './internal/image.js';
import { assertInRange, assertMap, assertSize, pixelImage } from './internal/validate.js';
import { averageMaps, mapToGray, normalizeMinMax, OVERLAY_EPSILON } from './normalize.js';
import { resizeImageBilinear } from './resize.js';
import { drawTextInPlace } from './text.js';
import type { PatchMap, PixelImage, PixelImageInput, Size } from './types.js';

/**
 * How a heatmap's values become colours:
 * - `'minmax'` stretches each map between its own lowest and highest value (the reference's
 *   `test.py --visualize` and `heatmap_avg.png`): the pattern shows even when every patch is
 *   near 0.5, but a map of p ≈ 0.5 looks as confident as one of p ≈ 1;
 * - `'absolute'` maps probability 0 → 1 straight onto the colormap (`trunc(255·p)`, clamped),
 *   so colours mean the same in every image: JET's dark blue is 0, green 0.5, dark red 1.
 */
export const HEATMAP_SCALES = Object.freeze(['minmax', 'absolute'] as const);

/** One of {@link HEATMAP_SCALES}. */
export type HeatmapScale = (typeof HEATMAP_SCALES)[number];

function heatGray(map: PatchMap, scale: HeatmapScale, epsilon: number): PixelImage {
  if (!HEATMAP_SCALES.includes(scale)) {
    throw new Error(
      `scale must be one of ${HEATMAP_SCALES.map((k) => `'${k}'`).join(' | ')}, got '${String(scale)}'`,
    );
  }
  return mapToGray(scale === 'absolute' ? map : normalizeMinMax(map, { epsilon }));
}

/** Options for {@link patchOverlay}. */
export interface PatchOverlayOptions {
  /**
   * Weight of the coloured heatmap in the blend.
   * @defaultValue 0.3
   */
  readonly heatmapWeight?: number;
  /**
   * Weight of the image in the blend.
   * @defaultValue 0.5
   */
  readonly imageWeight?: number;
  /**
   * Added to the normalisation divisor (see `normalizeMinMax`).
   * @defaultValue {@link OVERLAY_EPSILON} (1e-6)
   */
  readonly epsilon?: number;
  /**
   * Colormap for the heatmap.
   * @defaultValue 'jet'
   */
  readonly colormap?: ColormapName;
  /**
   * `'minmax'` (the reference) or `'absolute'` (probability 0–1 onto the colormap; see
   * {@link HEATMAP_SCALES}). `epsilon` applies to `'minmax'` only.
   * @defaultValue 'minmax'
   */
  readonly scale?: HeatmapScale;
  /**
   * Whether the image-level prediction was right: `true` draws a green border, `false` a red
   * one, `undefined`/`null` none.
   * @defaultValue undefined
   */
  readonly correct?: boolean | null;
  /**
   * Border width in pixels.
   * @defaultValue 2
   */
  readonly borderWidth?: number;
  /**
   * Text drawn in white with its baseline at (0, 20), e.g. from {@link probabilityLabel};
   * `undefined`/`null`/`''` draws none.
   * @defaultValue undefined
   */
  readonly label?: string | null;
  /**
   * Magnification of the label's 5×9 bitmap glyphs.
   * @defaultValue 1
   */
  readonly labelScale?: number;
}

/** Defaults of {@link PatchOverlayOptions}. */
export const DEFAULT_PATCH_OVERLAY_OPTIONS = Object.freeze({
  heatmapWeight: 0.3,
  imageWeight: 0.5,
  epsilon: OVERLAY_EPSILON,
  colormap: 'jet' as ColormapName,
  scale: 'minmax' as HeatmapScale,
  borderWidth: 2,
  labelScale: 1,
});

/**
 * Formats a probability the way the reference labels its overlays: `p(<name>)=0.87` (two
 * decimals; exact ties such as 0.125 round half to even, as Python's `%.2f` does).
 *
 * patchfx shows P(fake) (what the detector scores), so `name` defaults to `'fake'`; the
 * reference's overlays show P(real): pass `'real'` with a P(real) value to reproduce them.
 *
 * @param probability - The aggregated probability, in [0, 1].
 * @param name - Class name inside the parentheses. @defaultValue 'fake'
 * @returns The label text.
 *
 * @example
 * ```ts doctest
 * import { probabilityLabel } from '@patchfx/viz';
 * probabilityLabel(0.8712); // => 'p(fake)=0.87'
 * probabilityLabel(0.125, 'real'); // => 'p(real)=0.12'
 * ```
 */
export function probabilityLabel(
  probability: number,
  name: 'fake' | 'real' | (string & {}) = 'fake',
): string {
  return `p(${name})=${formatFixed2(probability)}`;
}

/** `x.toFixed(2)` except that exact binary ties (odd multiples of 1/8) round half to even. */
function formatFixed2(x: number): string {
  const scaled = x * 100;
  if (Number.isFinite(x) && Math.abs(scaled % 1) === 0.5 && Number.isInteger(x * 8)) {
    const down = Math.floor(scaled);
    const n = down % 2 === 0 ? down : down + 1;
    return (n / 100).toFixed(2);
  }
  return x.toFixed(2);
}

/** `trunc(heat·wh + image·wi)` per RGB channel, in float64, as numpy does before `astype(uint8)`. */
function blend(
  heat: Uint8Array | Uint8ClampedArray,
  rgb: Uint8Array,
  wh: number,
  wi: number,
): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = truncByte(heat[i] * wh + rgb[i] * wi);
  return out;
}

/**
 * The heatmap overlay `test.py --visualize` saves as `NNN_patch_1.png` (spec §4.4): min-max
 * normalise the patch map (divide by max + 1e-6) → ×255 to uint8 → bilinear resize to the image
 * size (OpenCV 8-bit path) → JET → blend `0.3·heatmap + 0.5·image` → truncate to uint8; then
 * optionally a 2-px green/red border and a white `p(real)=…` label at (0, 20).
 *
 * The blend is not clipped and never needs to be (0.3·255 + 0.5·255 < 255), so the overlay is
 * darker than the image, as in the reference. `scale: 'absolute'` skips the min-max stretch.
 *
 * What the colours mean is the map's: patchfx draws P(fake) (a detector's `patchMap`), so red
 * is fake-looking; the reference drew P(real).
 *
 * Input shape: image `[H, W, C]` (gray, RGB or RGBA; alpha ignored), map `[h, w]`.
 * Output shape: `[H, W, 3]` (RGB).
 *
 * @param input - The model input as bytes (`NNN_orig.png`, or what a detector's
 *   `onModelInput` hands back); `channels` may be left out.
 * @param map - The raw patch map of that image (P(fake) per patch in patchfx).
 * @param options - See {@link PatchOverlayOptions}.
 * @returns A new RGB image.
 * @throws If the image or map is malformed, or a weight is outside [0, 1].
 *
 * @example
 * ```ts doctest
 * import { patchOverlay, probabilityLabel } from '@patchfx/viz';
 * const image = { data: new Uint8Array(32 * 32 * 3).fill(200), width: 32, height: 32, channels: 3 as const };
 * const map = { data: new Float32Array([0.1, 0.9, 0.4, 0.6]), height: 2, width: 2 };
 * const out = patchOverlay(image, map, { correct: true, label: probabilityLabel(0.87) });
 * [out.width, out.height, out.channels]; // => [32, 32, 3]
 * Array.from(out.data.subarray(0, 3)); // => [0, 255, 0]
 * ```
 */
export function patchOverlay(
  input: PixelImageInput,
  map: PatchMap,
  options: PatchOverlayOptions = {},
): PixelImage {
  const image = pixelImage(input);
  assertMap(map);
  const o = { ...DEFAULT_PATCH_OVERLAY_OPTIONS, ...stripUndefined(options) };
  assertInRange(o.heatmapWeight, 0, 1, 'heatmapWeight');
  assertInRange(o.imageWeight, 0, 1, 'imageWeight');
  const size = { height: image.height, width: image.width };
  const gray = heatGray(map, o.scale, o.epsilon);
  const heat = applyColormap(resizeImageBilinear(gray, size), o.colormap);
  const out: PixelImage = {
    data: blend(heat.data, toRgbBytes(image), o.heatmapWeight, o.imageWeight),
    width: image.width,
    height: image.height,
    channels: 3,
  };
  if (options.correct === true || options.correct === false) {
    const box = { top: 0, left: 0, bottom: image.height, right: image.width };
    drawRectInPlace(out, box, options.correct ? GREEN : RED, o.borderWidth);
  }
  if (options.label) drawTextInPlace(out, options.label, { x: 0, y: 20, scale: o.labelScale });
  return out;
}

/** Options for {@link heatmapAvgImage}. */
export interface HeatmapAvgOptions {
  /**
   * Colormap.
   * @defaultValue 'jet'
   */
  readonly colormap?: ColormapName;
  /**
   * `'minmax'` (the reference) or `'absolute'` (see {@link HEATMAP_SCALES}).
   * @defaultValue 'minmax'
   */
  readonly scale?: HeatmapScale;
}

/**
 * The `heatmap_avg.png` view (spec §4.4): the mean of the maps (when given several; P(fake)
 * in patchfx's galleries, P(real) in the reference's), min-max normalised without epsilon (or
 * not at all with `scale: 'absolute'`) → ×255 to uint8 → bilinear resize to `size` → JET. No
 * image blend.
 *
 * Input shape: one or more maps `[h, w]`. Output shape: `[size.height, size.width, 3]` (RGB).
 *
 * @param maps - One map, or several same-size maps to average first.
 * @param size - Output size (the image size).
 * @param options - See {@link HeatmapAvgOptions}.
 * @returns A new RGB image.
 * @throws If the maps are empty, malformed or of different sizes.
 *
 * @example
 * ```ts doctest
 * import { heatmapAvgImage } from '@patchfx/viz';
 * const a = { data: [0, 1], height: 1, width: 2 };
 * const b = { data: [0, 0], height: 1, width: 2 };
 * const img = heatmapAvgImage([a, b], { height: 1, width: 2 });
 * Array.from(img.data); // => [0, 0, 128, 128, 0, 0]
 * ```
 */
export function heatmapAvgImage(
  maps: PatchMap | readonly PatchMap[],
  size: Size,
  options: HeatmapAvgOptions = {},
): PixelImage {
  assertSize(size);
  const mean = Array.isArray(maps) ? averageMaps(maps) : (maps as PatchMap);
  const gray = heatGray(mean, options.scale ?? 'minmax', 0);
  return applyColormap(resizeImageBilinear(gray, size), options.colormap ?? 'jet');
}

/** Options for {@link trainingOverlay}. */
export interface TrainingOverlayOptions {
  /**
   * Weight of the coloured heatmap.
   * @defaultValue 0.3
   */
  readonly heatmapWeight?: number;
  /**
   * Weight of the image.
   * @defaultValue 0.5
   */
  readonly imageWeight?: number;
}

/**
 * The training-time overlay logged every `display_freq` steps (spec §2.3): the P(real) map is
 * **not** normalised; probability ×255 to uint8 → bilinear resize → JET → blend
 * `0.3·heatmap + 0.5·image` in [0, 1] → ×255, truncated to uint8.
 *
 * So the colours are comparable across images: dark blue is P(real) ≈ 0, dark red ≈ 1.
 *
 * Input shape: image `[H, W, C]`, map `[h, w]` with values in [0, 1].
 * Output shape: `[H, W, 3]` (RGB).
 *
 * @param input - The input image as bytes.
 * @param probabilities - The P(real) patch map (values outside [0, 1] are clamped).
 * @param options - See {@link TrainingOverlayOptions}.
 * @returns A new RGB image.
 * @throws If the image or map is malformed, or a weight is outside [0, 1].
 *
 * @example
 * ```ts doctest
 * import { trainingOverlay } from '@patchfx/viz';
 * const image = { data: new Uint8Array(4 * 3).fill(100), width: 2, height: 2, channels: 3 as const };
 * const out = trainingOverlay(image, { data: [1], height: 1, width: 1 });
 * Array.from(out.data.subarray(0, 3)); // => [88, 50, 50]
 * ```
 */
export function trainingOverlay(
  input: PixelImageInput,
  probabilities: PatchMap,
  options: TrainingOverlayOptions = {},
): PixelImage {
  const image = pixelImage(input);
  assertMap(probabilities, 'probabilities');
  const wh = options.heatmapWeight ?? 0.3;
  const wi = options.imageWeight ?? 0.5;
  assertInRange(wh, 0, 1, 'heatmapWeight');
  assertInRange(wi, 0, 1, 'imageWeight');
  const size = { height: image.height, width: image.width };
  const heat = applyColormap(resizeImageBilinear(mapToGray(probabilities), size), 'jet').data;
  const rgb = toRgbBytes(image);
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    out[i] = truncByte(((heat[i] / 255) * wh + (rgb[i] / 255) * wi) * 255);
  }
  return { data: out, width: image.width, height: image.height, channels: 3 };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
