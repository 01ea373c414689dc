import { roundHalfEven } from './internal/float.js';
import { assertImage, assertMap, assertSize, pixelImage } from './internal/validate.js';
import type { LabelData, LabelMap, PatchMap, PixelImage, PixelImageInput, Size } from './types.js';

const f32 = Math.fround;
/** OpenCV's INTER_RESIZE_COEF_BITS: 8-bit resizing uses 11-bit fixed-point weights. */
const COEF_SCALE = 2048;

interface Taps {
  /** First source index (may be −1 along y, where OpenCV clamps the row, not the weight). */
  readonly index: Int32Array;
  /** Weight of the second tap, float32. */
  readonly frac: Float32Array;
}

/**
 * OpenCV's INTER_LINEAR tap table along one axis: source coordinate `(d + 0.5)·scale − 0.5`
 * (double, rounded to float32), floor, fraction. Along x, OpenCV clamps index and fraction at
 * both borders; along y it keeps them and clamps the source rows instead, which only matters
 * for the 8-bit rounding.
 */
function taps(src: number, dst: number, clampAxis: boolean): Taps {
  const scale = 1 / (dst / src);
  const index = new Int32Array(dst);
  const frac = new Float32Array(dst);
  for (let d = 0; d < dst; d++) {
    let fx = f32((d + 0.5) * scale - 0.5);
    let sx = Math.floor(fx);
    fx = f32(fx - sx);
    if (clampAxis) {
      if (sx < 0) {
        fx = 0;
        sx = 0;
      }
      if (sx >= src - 1) {
        fx = 0;
        sx = src - 1;
      }
    }
    index[d] = sx;
    frac[d] = fx;
  }
  return { index, frac };
}

const clampIndex = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);

/**
 * Bilinear resize of a float map, matching `cv2.resize(map.astype(np.float32), (w, h))`
 * (INTER_LINEAR, half-pixel centres, no antialiasing when shrinking) to float32 rounding.
 *
 * Source position of output pixel `d` is `(d + 0.5)·(src/dst) − 0.5`, clamped to the edge
 * pixels. All arithmetic is float32, in OpenCV's order (horizontal pass, then vertical).
 *
 * Input shape: `[height, width]`. Output shape: `[size.height, size.width]`.
 *
 * @param map - The map to resize (any size ≥ 1×1).
 * @param size - Output size.
 * @returns A new map with `Float32Array` data.
 * @throws If the map or size is malformed.
 *
 * @example
 * ```ts doctest
 * import { resizeMapBilinear } from '@patchfx/viz';
 * const up = resizeMapBilinear({ data: [0, 1], height: 1, width: 2 }, { height: 1, width: 4 });
 * Array.from(up.data); // => [0, 0.25, 0.75, 1]
 * ```
 */
export function resizeMapBilinear(map: PatchMap, size: Size): PatchMap<Float32Array> {
  assertMap(map);
  assertSize(size);
  const { height: h, width: w } = map;
  const { height: oh, width: ow } = size;
  const tx = taps(w, ow, true);
  const ty = taps(h, oh, false);
  const src = map.data;
  const out = new Float32Array(oh * ow);
  const rowA = new Float32Array(ow);
  const rowB = new Float32Array(ow);
  const horizontal = (y: number, dst: Float32Array) => {
    const o = y * w;
    for (let x = 0; x < ow; x++) {
      const sx = tx.index[x];
      const a1 = tx.frac[x];
      const a0 = f32(1 - a1);
      const sx1 = sx + 1 < w ? sx + 1 : sx;
      dst[x] = f32(f32(f32(src[o + sx]) * a0) + f32(f32(src[o + sx1]) * a1));
    }
  };
  for (let y = 0; y < oh; y++) {
    const b1 = ty.frac[y];
    const b0 = f32(1 - b1);
    horizontal(clampIndex(ty.index[y], h), rowA);
    horizontal(clampIndex(ty.index[y] + 1, h), rowB);
    for (let x = 0; x < ow; x++) out[y * ow + x] = f32(f32(rowA[x] * b0) + f32(rowB[x] * b1));
  }
  return { data: out, height: oh, width: ow };
}

/**
 * Bilinear resize of an 8-bit image, matching `cv2.resize(image, (w, h))` with INTER_LINEAR on
 * uint8 data: OpenCV's fixed-point path, not a float resize rounded at the end.
 *
 * Weights are `round(frac · 2048)`; the horizontal pass sums `pixel · weight` exactly; the
 * vertical pass combines two rows the way OpenCV's SIMD kernel does,
 * `((b0·(S0 >> 4)) >> 16) + ((b1·(S1 >> 4)) >> 16) + 2) >> 2`. On every fixture dumped from
 * OpenCV 4.6 (x86-64) the result is byte-identical; other OpenCV builds may differ by 1 level
 * where their scalar tail code takes over.
 *
 * Input shape: `[height, width, channels]`. Output shape: `[size.height, size.width, channels]`.
 *
 * @param input - Gray, RGB or RGBA (each channel is resized independently).
 * @param size - Output size.
 * @returns A new image with `Uint8Array` data and the input's channel count.
 * @throws If the image or size is malformed.
 *
 * @example
 * ```ts doctest
 * import { resizeImageBilinear } from '@patchfx/viz';
 * const gray = { data: new Uint8Array([0, 255]), width: 2, height: 1, channels: 1 as const };
 * Array.from(resizeImageBilinear(gray, { height: 1, width: 4 }).data); // => [0, 64, 191, 255]
 * ```
 */
export function resizeImageBilinear(input: PixelImageInput, size: Size): PixelImage {
  const image = pixelImage(input);
  assertSize(size);
  const { height: h, width: w, channels: c } = image;
  const { height: oh, width: ow } = size;
  const tx = taps(w, ow, true);
  const ty = taps(h, oh, false);
  const a0 = new Int32Array(ow);
  const a1 = new Int32Array(ow);
  for (let x = 0; x < ow; x++) {
    a1[x] = roundHalfEven(f32(tx.frac[x] * COEF_SCALE));
    a0[x] = roundHalfEven(f32(f32(1 - tx.frac[x]) * COEF_SCALE));
  }
  const src = image.data;
  const n = ow * c;
  const out = new Uint8Array(oh * n);
  const s0 = new Int32Array(n);
  const s1 = new Int32Array(n);
  const horizontal = (y: number, dst: Int32Array) => {
    const o = y * w * c;
    for (let x = 0; x < ow; x++) {
      const sx = tx.index[x];
      const sx1 = sx + 1 < w ? sx + 1 : sx;
      for (let k = 0; k < c; k++) {
        dst[x * c + k] = src[o + sx * c + k] * a0[x] + src[o + sx1 * c + k] * a1[x];
      }
    }
  };
  for (let y = 0; y < oh; y++) {
    const b1 = roundHalfEven(f32(ty.frac[y] * COEF_SCALE));
    const b0 = roundHalfEven(f32(f32(1 - ty.frac[y]) * COEF_SCALE));
    horizontal(clampIndex(ty.index[y], h), s0);
    horizontal(clampIndex(ty.index[y] + 1, h), s1);
    const o = y * n;
    for (let i = 0; i < n; i++) {
      const v = (((b0 * (s0[i] >> 4)) >> 16) + ((b1 * (s1[i] >> 4)) >> 16) + 2) >> 2;
      out[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data: out, width: ow, height: oh, channels: c };
}

/** Nearest-neighbour source index per output index, as OpenCV INTER_NEAREST computes it. */
function nearestIndex(src: number, dst: number): Int32Array {
  const inv = 1 / (dst / src);
  const out = new Int32Array(dst);
  for (let d = 0; d < dst; d++) out[d] = Math.min(Math.floor(d * inv), src - 1);
  return out;
}

function allocLike<D extends LabelData>(data: D, n: number): D {
  if (Array.isArray(data)) return new Array<number>(n).fill(0) as D;
  const ctor = data.constructor as new (n: number) => D;
  return new ctor(n);
}

/**
 * Nearest-neighbour resize matching `cv2.resize(..., interpolation=cv2.INTER_NEAREST)`: output
 * pixel `d` takes source pixel `floor(d · src/dst)` (not the centre-aligned
 * INTER_NEAREST_EXACT). This is how the reference brings the 512×512 face-parser label map to
 * the classifier's input grid (spec §7.1).
 *
 * Works for label maps (any numeric array; the output uses the same array type) and for
 * {@link PixelImage}s (all channels of a pixel move together).
 *
 * Input shape: `[height, width(, channels)]`. Output shape: `[size.height, size.width(, channels)]`.
 *
 * @param grid - A label map or an image.
 * @param size - Output size.
 * @returns A new label map or image of the same kind.
 * @throws If the input or size is malformed.
 *
 * @example
 * ```ts doctest
 * import { resizeNearest } from '@patchfx/viz';
 * const labels = { data: new Int32Array([1, 2, 3, 4]), height: 2, width: 2 };
 * Array.from(resizeNearest(labels, { height: 1, width: 4 }).data); // => [1, 1, 2, 2]
 * ```
 */
export function resizeNearest(grid: PixelImage, size: Size): PixelImage;
export function resizeNearest<D extends LabelData>(grid: LabelMap<D>, size: Size): LabelMap<D>;
export function resizeNearest(grid: PixelImage | LabelMap, size: Size): PixelImage | LabelMap {
  const isImage = 'channels' in grid;
  if (isImage) assertImage(grid);
  else assertMap(grid);
  assertSize(size);
  const c = isImage ? grid.channels : 1;
  const xs = nearestIndex(grid.width, size.width);
  const ys = nearestIndex(grid.height, size.height);
  const n = size.height * size.width * c;
  const out = isImage ? new Uint8Array(n) : allocLike(grid.data as LabelData, n);
  const src = grid.data;
  for (let y = 0; y < size.height; y++) {
    const row = ys[y] * grid.width;
    for (let x = 0; x < size.width; x++) {
      const s = (row + xs[x]) * c;
      const d = (y * size.width + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = src[s + k];
    }
  }
  if (isImage) {
    return {
      data: out as Uint8Array,
      width: size.width,
      height: size.height,
      channels: grid.channels,
    };
  }
  return { data: out, height: size.height, width: size.width };
}
