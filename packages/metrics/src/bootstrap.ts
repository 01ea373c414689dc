/**
 * Bootstrap confidence intervals for average precision: seeded, stratified (both classes keep
 * their sizes in every resample, so AP is always defined), percentile intervals.
 */
import { createRng } from '@patchfx/data';
import type { BinaryMetricOptions } from './average-precision.js';
import { apFromCumulative } from './internal/curves.js';
import { rankScores } from './internal/ranking.js';

/** Per-call options of {@link bootstrapAveragePrecision}. */
export interface BootstrapOptions extends BinaryMetricOptions {
  /** Number of resamples, an integer ≥ 1. @defaultValue 1000 */
  readonly iterations?: number;
  /** Two-sided confidence level in (0, 1). @defaultValue 0.95 */
  readonly confidence?: number;
  /** PRNG seed (uint32); the same seed gives the same interval. @defaultValue 0 */
  readonly seed?: number;
}

/** Defaults of {@link BootstrapOptions}. */
export const DEFAULT_BOOTSTRAP_OPTIONS: Readonly<Required<BootstrapOptions>> = Object.freeze({
  iterations: 1000,
  confidence: 0.95,
  seed: 0,
  posLabel: 1,
});

/**
 * Returns a complete copy of bootstrap options with defaults filled in.
 *
 * @throws When `iterations` is not an integer ≥ 1, `confidence` not in (0, 1), `seed` not an
 *   integer in [0, 2³²), or `posLabel` not finite.
 */
export function resolveBootstrapOptions(
  options: BootstrapOptions = {},
): Required<BootstrapOptions> {
  const o = { ...DEFAULT_BOOTSTRAP_OPTIONS, ...stripUndefined(options) };
  if (!Number.isInteger(o.iterations) || o.iterations < 1) {
    throw new Error(`bootstrap: iterations must be an integer ≥ 1, got ${String(o.iterations)}`);
  }
  if (typeof o.confidence !== 'number' || !(o.confidence > 0 && o.confidence < 1)) {
    throw new Error(
      `bootstrap: confidence must be a number in (0, 1), got ${String(o.confidence)}`,
    );
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed >= 2 ** 32) {
    throw new Error(`bootstrap: seed must be an integer in [0, 2^32), got ${String(o.seed)}`);
  }
  if (typeof o.posLabel !== 'number' || !Number.isFinite(o.posLabel)) {
    throw new Error(`bootstrap: posLabel must be a finite number, got ${String(o.posLabel)}`);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A point estimate with a bootstrap confidence interval. */
export interface ConfidenceInterval {
  /** The metric on the full data (not the bootstrap mean). */
  readonly estimate: number;
  /** Lower bound: the (1 − confidence)/2 percentile of the resampled values. */
  readonly lower: number;
  /** Upper bound: the (1 + confidence)/2 percentile. */
  readonly upper: number;
  /** Standard deviation of the resampled values (ddof 0): a bootstrap standard error. */
  readonly std: number;
  /** The confidence level used. */
  readonly confidence: number;
  /** The number of resamples. */
  readonly iterations: number;
  /** The seed used. */
  readonly seed: number;
}

/** NumPy's default (`method='linear'`) quantile of an ascending-sorted array. */
function quantileSorted(a: Float64Array, q: number): number {
  const h = (a.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, a.length - 1);
  return a[lo] + (h - lo) * (a[hi] - a[lo]);
}

/**
 * A bootstrap confidence interval for {@link averagePrecision}.
 *
 * Each resample draws, with replacement, as many positives from the positives and as many
 * negatives from the negatives as the data has (stratified), so both classes are always
 * present and every resample has the data's class ratio (AP depends on it). The AP of a
 * resample is exactly sklearn's AP of the resampled arrays (ties included); it is computed from
 * per-threshold counts, O(n) per resample after one sort. The interval is the percentile
 * interval, with NumPy's default linear quantile. The draws are `createRng(seed).int(0, n − 1)`
 * of `@patchfx/data` (sfc32, unbiased).
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive.
 * @param options - {@link BootstrapOptions}.
 * @returns The estimate and interval.
 * @throws As {@link averagePrecision}; also on invalid options.
 *
 * @example
 * ```ts doctest
 * import { bootstrapAveragePrecision } from '@patchfx/metrics';
 * const y = [0, 0, 0, 0, 1, 1, 1, 1];
 * const s = [0.1, 0.3, 0.6, 0.2, 0.7, 0.4, 0.9, 0.8];
 * const ci = bootstrapAveragePrecision(y, s, { iterations: 200, seed: 7 });
 * ci.estimate; // ≈ 0.95
 * ci.lower <= ci.estimate && ci.estimate <= ci.upper; // => true
 * bootstrapAveragePrecision(y, s, { iterations: 200, seed: 7 }).lower === ci.lower; // => true
 * ```
 */
export function bootstrapAveragePrecision(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const o = resolveBootstrapOptions(options);
  const r = rankScores(yTrue, scores, o.posLabel, 'bootstrapAveragePrecision');
  const g = r.tps.length;
  const estimate = apFromCumulative(r.tps, r.fps, g);
  const rng = createRng(o.seed);
  const nPos = r.posGroup.length;
  const nNeg = r.negGroup.length;
  const posCount = new Float64Array(g);
  const negCount = new Float64Array(g);
  const tps = new Float64Array(g);
  const fps = new Float64Array(g);
  const values = new Float64Array(o.iterations);
  for (let it = 0; it < o.iterations; it++) {
    posCount.fill(0);
    negCount.fill(0);
    for (let k = 0; k < nPos; k++) posCount[r.posGroup[rng.int(0, nPos - 1)]]++;
    for (let k = 0; k < nNeg; k++) negCount[r.negGroup[rng.int(0, nNeg - 1)]]++;
    // Thresholds whose samples were all left out vanish, as they would from the resample.
    let m = 0;
    let tp = 0;
    let fp = 0;
    for (let k = 0; k < g; k++) {
      if (posCount[k] === 0 && negCount[k] === 0) continue;
      tp += posCount[k];
      fp += negCount[k];
      tps[m] = tp;
      fps[m] = fp;
      m++;
    }
    values[it] = apFromCumulative(tps, fps, m);
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  values.sort();
  const alpha = (1 - o.confidence) / 2;
  return {
    estimate,
    lower: quantileSorted(values, alpha),
    upper: quantileSorted(values, 1 - alpha),
    std: Math.sqrt(ss / values.length),
    confidence: o.confidence,
    iterations: o.iterations,
    seed: o.seed,
  };
}
