/**
 * Measurements on synthetic images: how much of each patch window the traces cover, and how
 * much period-2 (Nyquist) energy a region holds.
 */
import type { PatchGrid } from '@patchfx/data';

/** What {@link traceCoverage} measures. */
export interface TraceCoverage {
  /** Fraction of mask pixels in each window, `[mapSize, mapSize]` row-major. */
  readonly perWindow: Float32Array;
  /** Windows whose fraction is ≥ `minFraction`. */
  readonly covered: number;
  /** All windows (`mapSize²`). */
  readonly total: number;
  /** `covered / total`. */
  readonly fraction: number;
}

/**
 * How much of each patch window a binary mask covers: window (i, j) spans rows and columns
 * `[offset + jump·i, offset + jump·i + rf)` clipped to the image, and its fraction is the mask
 * pixels in it over its (clipped) area.
 *
 * @param mask - `[size, size]` row-major, nonzero = covered.
 * @param size - Image side in pixels.
 * @param grid - The patch geometry of the model (`patchGrid(model, size)` of `@patchfx/models`).
 * @param minFraction - Threshold for a window to count as covered. @defaultValue 0.1
 * @returns Per-window fractions and the covered count.
 * @throws When the mask length is not `size²`.
 *
 * @example
 * ```ts doctest
 * import { traceCoverage } from '@patchfx/segment';
 * import { patchGrid } from '@patchfx/models';
 * const grid = patchGrid('xception_block2', 128);
 * traceCoverage(new Uint8Array(128 * 128).fill(1), 128, grid).fraction; // => 1
 * traceCoverage(new Uint8Array(128 * 128), 128, grid).covered; // => 0
 * ```
 */
export function traceCoverage(
  mask: ArrayLike<number>,
  size: number,
  grid: PatchGrid,
  minFraction = 0.1,
): TraceCoverage {
  if (mask.length !== size * size) {
    throw new Error(`traceCoverage: mask has ${mask.length} values, expected ${size * size}`);
  }
  // Summed-area table for O(1) window sums.
  const w = size + 1;
  const sat = new Float64Array(w * w);
  for (let y = 0; y < size; y++) {
    let row = 0;
    for (let x = 0; x < size; x++) {
      row += mask[y * size + x] ? 1 : 0;
      sat[(y + 1) * w + x + 1] = sat[y * w + x + 1] + row;
    }
  }
  const n = grid.mapSize;
  const perWindow = new Float32Array(n * n);
  let covered = 0;
  const span = (i: number): [number, number] => {
    const start = grid.offset + grid.jump * i;
    return [Math.max(0, start), Math.min(size, start + grid.rf)];
  };
  for (let i = 0; i < n; i++) {
    const [t, b] = span(i);
    for (let j = 0; j < n; j++) {
      const [l, r] = span(j);
      const area = Math.max(0, b - t) * Math.max(0, r - l);
      const sum = area > 0 ? sat[b * w + r] - sat[t * w + r] - sat[b * w + l] + sat[t * w + l] : 0;
      const f = area > 0 ? sum / area : 0;
      perWindow[i * n + j] = f;
      if (f >= minFraction) covered++;
    }
  }
  return { perWindow, covered, total: n * n, fraction: covered / (n * n) };
}

/**
 * Period-2 ("checkerboard") energy of an image inside a region: for each channel, the mean of
 * the region's values (grey levels, region mean removed) modulated by (−1)^x, (−1)^y and
 * (−1)^(x+y) — the normalised DFT coefficients at the three Nyquist frequencies restricted to
 * the region — squared and summed over the three frequencies, then averaged over channels. A transposed-convolution
 * checkerboard adds a coherent term here; noise and texture average out.
 *
 * @param rgb - `[size, size, 3]` row-major values (uint8 or float grey levels).
 * @param size - Image side in pixels.
 * @param region - Optional `[size, size]` mask; nonzero pixels are measured (default: all).
 * @returns Energy in squared grey levels (0 when the region is empty).
 *
 * @example
 * ```ts doctest
 * import { nyquistEnergy } from '@patchfx/segment';
 * const board = new Uint8Array(8 * 8 * 3).map((_, i) => {
 *   const p = Math.floor(i / 3);
 *   return ((p % 8) + Math.floor(p / 8)) % 2 ? 110 : 100;
 * });
 * nyquistEnergy(board, 8); // => 25
 * nyquistEnergy(new Uint8Array(8 * 8 * 3).fill(9), 8); // => 0
 * ```
 */
export function nyquistEnergy(
  rgb: ArrayLike<number>,
  size: number,
  region?: ArrayLike<number>,
): number {
  let energy = 0;
  for (let ch = 0; ch < 3; ch++) {
    let n = 0;
    let mean = 0;
    for (let p = 0; p < size * size; p++) {
      if (region && !region[p]) continue;
      n++;
      mean += rgb[3 * p + ch];
    }
    if (n === 0) return 0;
    mean /= n;
    let fx = 0;
    let fy = 0;
    let fxy = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const p = y * size + x;
        if (region && !region[p]) continue;
        const v = rgb[3 * p + ch] - mean;
        const sx = x & 1 ? -1 : 1;
        const sy = y & 1 ? -1 : 1;
        fx += sx * v;
        fy += sy * v;
        fxy += sx * sy * v;
      }
    }
    energy += (fx / n) ** 2 + (fy / n) ** 2 + (fxy / n) ** 2;
  }
  return energy / 3;
}

/**
 * Peak signal-to-noise ratio between two 8-bit images, optionally inside a region.
 *
 * @param a - Values in grey levels.
 * @param b - Same length as `a`.
 * @param region - Optional per-pixel mask (`a.length / channels` values); nonzero = measured.
 * @param channels - Values per pixel. @defaultValue 3
 * @returns PSNR in dB; `Infinity` when identical (or the region is empty).
 * @throws When the lengths differ.
 *
 * @example
 * ```ts doctest
 * import { psnr } from '@patchfx/segment';
 * psnr(new Uint8Array([10, 10, 10]), new Uint8Array([10, 10, 10])); // => Infinity
 * Math.round(psnr(new Uint8Array([0, 0, 0]), new Uint8Array([1, 1, 1]))); // => 48
 * ```
 */
export function psnr(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  region?: ArrayLike<number>,
  channels = 3,
): number {
  if (a.length !== b.length) throw new Error(`psnr: lengths differ (${a.length} vs ${b.length})`);
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (region && !region[Math.floor(i / channels)]) continue;
    se += (a[i] - b[i]) ** 2;
    n++;
  }
  if (n === 0 || se === 0) return Infinity;
  return 10 * Math.log10((255 * 255) / (se / n));
}
