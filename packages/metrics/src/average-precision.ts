/**
 * Average precision and the precision–recall curve, identical to scikit-learn 1.2.1
 * (spec §4.3; the reference's `ap`, `precision`, `recall`, `thresholds`).
 */
import { apFromCumulative, prFromRanked } from './internal/curves.js';
import { rankScores } from './internal/ranking.js';

/** Per-call options of the binary ranking metrics. */
export interface BinaryMetricOptions {
  /**
   * The label value counted as positive. The other label present is negative.
   * @defaultValue 1
   */
  readonly posLabel?: number;
}

/** A precision–recall curve in scikit-learn's array convention. */
export interface PrecisionRecallCurve {
  /** Precision at each threshold (ascending thresholds), then a final `1`. Length T + 1. */
  readonly precision: number[];
  /** Recall at each threshold, decreasing, then a final `0`. Length T + 1. */
  readonly recall: number[];
  /** The distinct scores, ascending. Length T. */
  readonly thresholds: number[];
}

/**
 * The precision–recall curve of a binary ranking, identical to scikit-learn 1.2.1
 * `precision_recall_curve(yTrue, scores, pos_label=posLabel)`.
 *
 * Details (each reproduced from sklearn):
 * - A sample is predicted positive at threshold t when `score >= t`.
 * - Every distinct score is one threshold (ties form one point; the order of tied samples is
 *   irrelevant). Thresholds come back ascending; `precision[i]`/`recall[i]` belong to
 *   `thresholds[i]`.
 * - The curve ends with the point recall 0, precision 1, which has no threshold, so
 *   `precision` and `recall` are one longer than `thresholds`.
 * - Unlike sklearn 1.2.1 (which warns and sets recall to 1), input without positives or without
 *   negatives is an error, as are non-finite scores (sklearn raises on NaN and ±Inf too) and
 *   labels with more than two values.
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive. Same length as `yTrue`.
 * @param options - {@link BinaryMetricOptions}.
 * @returns New plain arrays.
 * @throws On empty input, a length mismatch, NaN/±Inf, one class only, more than two classes,
 *   or a `posLabel` that is not a label.
 *
 * @example
 * ```ts doctest
 * import { precisionRecallCurve } from '@patchfx/metrics';
 * const c = precisionRecallCurve([0, 0, 1, 1], [0.2, 0.2, 0.6, 0.9]);
 * c.thresholds; // => [0.2, 0.6, 0.9]
 * c.precision; // => [0.5, 1, 1, 1]
 * c.recall; // => [1, 1, 0.5, 0]
 * ```
 * @see {@link averagePrecision}
 */
export function precisionRecallCurve(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: BinaryMetricOptions = {},
): PrecisionRecallCurve {
  const ranked = rankScores(yTrue, scores, options.posLabel ?? 1, 'precisionRecallCurve');
  return prFromRanked(ranked);
}

/**
 * Average precision, identical to scikit-learn 1.2.1
 * `average_precision_score(yTrue, scores, pos_label=posLabel)`:
 * AP = Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the distinct thresholds, a step function with no interpolation.
 * The sum uses NumPy's pairwise summation, so the result is bit-identical to sklearn's.
 *
 * The reference's `ap` is this with positive = REAL (label 1 with `fake_class_id` 0) and
 * score = P(real); {@link computeMetrics} reports it and the fake-positive `ap_fake`.
 *
 * @param yTrue - Labels, two distinct values (usually 0/1).
 * @param scores - Scores, higher = more positive. Same length as `yTrue`.
 * @param options - {@link BinaryMetricOptions}.
 * @returns AP in (0, 1].
 * @throws As {@link precisionRecallCurve}.
 *
 * @example
 * ```ts doctest
 * import { averagePrecision } from '@patchfx/metrics';
 * averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // ≈ 0.833333
 * averagePrecision([0, 0, 1, 1], [0.9, 0.6, 0.35, 0.1], { posLabel: 0 }); // => 1
 * ```
 * @see {@link precisionRecallCurve}
 */
export function averagePrecision(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: BinaryMetricOptions = {},
): number {
  const r = rankScores(yTrue, scores, options.posLabel ?? 1, 'averagePrecision');
  return apFromCumulative(r.tps, r.fps, r.tps.length);
}
