/**
 * ROC curve and ROC-derived detector metrics: AUC (identical to scikit-learn 1.2.1), equal
 * error rate and TPR at fixed FPRs.
 */
import type { BinaryMetricOptions } from './average-precision.js';
import { eerFromRoc, rocFromRanked, tprAtFprFromRoc, trapezoidArea } from './internal/curves.js';
import { rankScores } from './internal/ranking.js';

/** Per-call options of {@link rocCurve}. */
export interface RocCurveOptions extends BinaryMetricOptions {
  /**
   * Drop thresholds that lie on a straight, evenly spaced run of the curve (sklearn's
   * `drop_intermediate`). The area is unchanged.
   * @defaultValue true
   */
  readonly dropIntermediate?: boolean;
}

/** A ROC curve in scikit-learn's array convention (all three arrays have the same length). */
export interface RocCurve {
  /** False-positive rate, increasing from 0 to 1. */
  readonly fpr: number[];
  /** True-positive rate, increasing from 0 to 1. */
  readonly tpr: number[];
  /**
   * Decreasing thresholds (predict positive when `score >= threshold`). The first is
   * `max(score) + 1` and stands for "nothing positive".
   */
  readonly thresholds: number[];
}

/** FPR targets of {@link tprAtFpr} and `tpr_at_fpr`: 1 %, 5 %, 10 %. */
export const DEFAULT_TARGET_FPRS = Object.freeze([0.01, 0.05, 0.1] as const);

/** Options of {@link tprAtFpr}. */
export interface TprAtFprOptions extends BinaryMetricOptions {
  /** FPR targets in [0, 1]. @defaultValue {@link DEFAULT_TARGET_FPRS} */
  readonly fprs?: readonly number[];
}

/**
 * The ROC curve, identical to scikit-learn 1.2.1 `roc_curve(yTrue, scores,
 * pos_label=posLabel, drop_intermediate=dropIntermediate)`.
 *
 * Details reproduced from sklearn 1.2.1: one point per distinct score; with
 * `dropIntermediate` a point is kept only where the second difference of the FP or TP counts
 * is non-zero (plus the first and last); a leading point (0, 0) is prepended with threshold
 * `thresholds[0] + 1`. Note: sklearn 1.2 uses `max + 1` there; sklearn ≥ 1.3 uses `Infinity`.
 * Unlike sklearn (which warns and returns NaN rates), one class only is an error.
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive. Same length as `yTrue`.
 * @param options - {@link RocCurveOptions}.
 * @returns New plain arrays.
 * @throws On empty input, a length mismatch, NaN/±Inf, one class only, more than two classes,
 *   or a `posLabel` that is not a label.
 *
 * @example
 * ```ts doctest
 * import { rocCurve } from '@patchfx/metrics';
 * const roc = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * roc.fpr; // => [0, 0, 0.5, 0.5, 1]
 * roc.tpr; // => [0, 0.5, 0.5, 1, 1]
 * roc.thresholds; // => [1.8, 0.8, 0.4, 0.35, 0.1]
 * ```
 * @see {@link rocAuc}
 */
export function rocCurve(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: RocCurveOptions = {},
): RocCurve {
  const r = rankScores(yTrue, scores, options.posLabel ?? 1, 'rocCurve');
  return rocFromRanked(r, options.dropIntermediate ?? true);
}

/**
 * Area under the ROC curve, identical to scikit-learn 1.2.1 `roc_auc_score(yTrue, scores)`
 * (trapezoids over the `drop_intermediate` curve, NumPy pairwise summation). sklearn's
 * `roc_auc_score` takes the larger label as positive; here `posLabel` chooses (default 1).
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive.
 * @param options - {@link BinaryMetricOptions}.
 * @returns AUC in [0, 1]; 0.5 is chance.
 * @throws As {@link rocCurve}.
 *
 * @example
 * ```ts doctest
 * import { rocAuc } from '@patchfx/metrics';
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // => 0.75
 * ```
 */
export function rocAuc(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: BinaryMetricOptions = {},
): number {
  const r = rankScores(yTrue, scores, options.posLabel ?? 1, 'rocAuc');
  const roc = rocFromRanked(r, true);
  return trapezoidArea(roc.fpr, roc.tpr);
}

/**
 * Equal error rate: the error rate where the false-positive rate equals the false-negative rate
 * (FNR = 1 − TPR).
 *
 * Interpolation rule: on the full ROC curve (every distinct threshold, nothing dropped), find
 * the first point with FNR ≤ FPR. If FNR = FPR there, that FPR is the EER; otherwise the EER is
 * where the straight segment from the previous point crosses FNR = FPR (linear interpolation,
 * as a randomised mix of the two neighbouring thresholds would achieve). 0 for a perfect
 * ranking, 0.5 for a random one, up to 1 for an inverted one.
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive.
 * @param options - {@link BinaryMetricOptions}.
 * @returns EER in [0, 1].
 * @throws As {@link rocCurve}.
 *
 * @example
 * ```ts doctest
 * import { equalErrorRate } from '@patchfx/metrics';
 * equalErrorRate([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // => 0.5
 * equalErrorRate([0, 1], [0.5, 0.5]); // => 0.5
 * equalErrorRate([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]); // => 0
 * ```
 */
export function equalErrorRate(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: BinaryMetricOptions = {},
): number {
  const r = rankScores(yTrue, scores, options.posLabel ?? 1, 'equalErrorRate');
  const roc = rocFromRanked(r, false);
  return eerFromRoc(roc.fpr, roc.tpr);
}

/** Validates FPR targets: finite numbers in [0, 1]. */
export function resolveTargetFprs(fprs: readonly number[] | undefined, fn = 'tprAtFpr'): number[] {
  const out = [...(fprs ?? DEFAULT_TARGET_FPRS)];
  for (const f of out) {
    if (typeof f !== 'number' || !(f >= 0 && f <= 1)) {
      throw new Error(`${fn}: every target FPR must be a number in [0, 1], got ${String(f)}`);
    }
  }
  return out;
}

/**
 * The true-positive rate at fixed false-positive rates (detection rate at 1 %, 5 %, 10 % false
 * alarms by default).
 *
 * Rule (no interpolation): for each target, the highest TPR among the ROC points, over every
 * distinct threshold (nothing dropped), whose FPR ≤ target. That is an operating point a real
 * threshold achieves; interpolating between points would report a rate that no threshold
 * gives.
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive.
 * @param options - {@link TprAtFprOptions}.
 * @returns One TPR per target, in the order of `options.fprs`.
 * @throws As {@link rocCurve}; also when a target is outside [0, 1].
 *
 * @example
 * ```ts doctest
 * import { tprAtFpr } from '@patchfx/metrics';
 * tprAtFpr([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { fprs: [0, 0.5, 1] }); // => [0.5, 1, 1]
 * ```
 */
export function tprAtFpr(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: TprAtFprOptions = {},
): number[] {
  const targets = resolveTargetFprs(options.fprs);
  const r = rankScores(yTrue, scores, options.posLabel ?? 1, 'tprAtFpr');
  const roc = rocFromRanked(r, false);
  return targets.map((t) => tprAtFprFromRoc(roc.fpr, roc.tpr, t));
}
