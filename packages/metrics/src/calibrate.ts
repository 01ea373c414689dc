/**
 * Threshold calibration on a held-out split: a threshold for a target false-positive rate on
 * known negatives (e.g. known-real images), and the threshold that maximises balanced accuracy.
 * Both use the decision "positive when `score > threshold`" (strict), the rule of
 * {@link DecisionRule}.
 */
import type { BinaryMetricOptions } from './average-precision.js';
import { rankScores } from './internal/ranking.js';
import { finiteArray } from './internal/validate.js';

/** A calibrated threshold and what it achieves on the calibration data. */
export interface FprCalibration {
  /** Predict positive when `score > threshold`. */
  readonly threshold: number;
  /** The false-positive rate this threshold gives on the calibration negatives (≤ target). */
  readonly fpr: number;
}

/**
 * The threshold that keeps the false-positive rate on known negatives at or below a target.
 *
 * Quantile rule: with the m negative scores sorted ascending s₍₁₎ ≤ … ≤ s₍ₘ₎ and
 * k = ⌊target·m⌋ allowed false positives, the threshold is s₍ₘ₋ₖ₎, i.e. NumPy's
 * `np.quantile(neg, 1 - target, method='inverted_cdf')`: the smallest observed score with at
 * most k negatives strictly above it. Ties at the threshold count as negative, so the
 * achieved FPR can be below the target. k = m (target 1) gives `-Infinity` (everything
 * positive). A tiny slack (1e-9) keeps ⌊0.29·100⌋ at 29 despite binary rounding.
 *
 * For fake detection with the default labels, pass P(fake) (score column 0) of known-real
 * images, then use `{ classId: 0, threshold }` as the {@link DecisionRule}.
 *
 * @param negativeScores - Scores of samples known to be negative (higher = more positive).
 * @param targetFpr - Highest acceptable false-positive rate, in [0, 1].
 * @returns The threshold and the FPR it achieves on `negativeScores`.
 * @throws On empty or non-finite scores, or a target outside [0, 1].
 *
 * @example
 * ```ts doctest
 * import { calibrateThresholdAtFpr } from '@patchfx/metrics';
 * const pFakeOfReals = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
 * calibrateThresholdAtFpr(pFakeOfReals, 0.1); // => { threshold: 0.8, fpr: 0.1 }
 * calibrateThresholdAtFpr(pFakeOfReals, 0); // => { threshold: 0.9, fpr: 0 }
 * ```
 */
export function calibrateThresholdAtFpr(
  negativeScores: ArrayLike<number>,
  targetFpr: number,
): FprCalibration {
  const fn = 'calibrateThresholdAtFpr';
  if (typeof targetFpr !== 'number' || !(targetFpr >= 0 && targetFpr <= 1)) {
    throw new Error(`${fn}: targetFpr must be a number in [0, 1], got ${String(targetFpr)}`);
  }
  const s = finiteArray(negativeScores, 'negativeScores', fn).sort();
  const m = s.length;
  const k = Math.min(m, Math.floor(targetFpr * m + 1e-9));
  if (k === m) return { threshold: -Infinity, fpr: 1 };
  const threshold = s[m - k - 1];
  let above = 0;
  for (let i = m - 1; i >= 0 && s[i] > threshold; i--) above++;
  return { threshold, fpr: above / m };
}

/** A threshold chosen for the best balanced accuracy, with its rates on the calibration data. */
export interface BalancedCalibration {
  /** Predict positive when `score > threshold`. */
  readonly threshold: number;
  /** Balanced accuracy (TPR + TNR) / 2 at this threshold. */
  readonly balancedAccuracy: number;
  /** True-positive rate at this threshold. */
  readonly tpr: number;
  /** True-negative rate at this threshold. */
  readonly tnr: number;
}

/**
 * The threshold that maximises balanced accuracy on labelled calibration data.
 *
 * Candidates are the distinct observed scores (each predicts positive for the scores strictly
 * above it; the largest predicts nothing positive). Of equally good candidates the largest
 * threshold wins, the most conservative one. A midpoint between neighbouring scores would
 * classify the calibration set identically; observed scores keep the result reproducible.
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive.
 * @param options - {@link BinaryMetricOptions} (`posLabel`, default 1).
 * @returns The threshold and the rates it achieves.
 * @throws As {@link averagePrecision} (one class only, NaN, length mismatch, empty input).
 *
 * @example
 * ```ts doctest
 * import { calibrateThresholdBalanced } from '@patchfx/metrics';
 * const c = calibrateThresholdBalanced([0, 0, 0, 1, 1], [0.1, 0.2, 0.6, 0.5, 0.9]);
 * c.threshold; // => 0.2
 * c.tpr; // => 1
 * c.balancedAccuracy; // ≈ 0.833333
 * ```
 */
export function calibrateThresholdBalanced(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: BinaryMetricOptions = {},
): BalancedCalibration {
  const r = rankScores(yTrue, scores, options.posLabel ?? 1, 'calibrateThresholdBalanced');
  const g = r.tps.length;
  const nPos = r.tps[g - 1];
  const nNeg = r.fps[g - 1];
  let best: BalancedCalibration | undefined;
  for (let j = 0; j < g; j++) {
    // Threshold = thresholds[j]: positives are the groups before j (strictly higher scores).
    const tp = j === 0 ? 0 : r.tps[j - 1];
    const fp = j === 0 ? 0 : r.fps[j - 1];
    const tpr = tp / nPos;
    const tnr = (nNeg - fp) / nNeg;
    const ba = (tpr + tnr) / 2;
    if (best === undefined || ba > best.balancedAccuracy) {
      best = { threshold: r.thresholds[j], balancedAccuracy: ba, tpr, tnr };
    }
  }
  return best!;
}
