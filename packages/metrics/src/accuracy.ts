/**
 * Image-level accuracies over an N×2 score matrix: the reference's argmax accuracy (ties →
 * class 0), balanced accuracy, and per-class accuracy for one-class folders.
 */
import { classId, classIds, sameLength } from './internal/validate.js';
import { scoreColumn, type ScoreMatrix } from './score-matrix.js';

/**
 * A thresholded decision: predict `classId` when `scores[:, classId] > threshold` (strictly),
 * otherwise the other class. Strict `>` keeps the reference's tie rule (a vote of exactly 0.5
 * is not enough to win).
 */
export interface DecisionRule {
  /** The class (= score column) the threshold applies to. */
  readonly classId: 0 | 1;
  /** Predict `classId` when its score is strictly above this. */
  readonly threshold: number;
}

/** Per-call options of the accuracy functions. */
export interface AccuracyOptions {
  /**
   * How a row becomes a class. Omitted: argmax with ties → class 0 (the reference's rule:
   * class 1 only when `scores[i][1] > scores[i][0]`).
   * @defaultValue argmax
   */
  readonly decision?: DecisionRule;
}

/**
 * The predicted class of every row: argmax with ties → class 0, or the `decision` rule.
 *
 * @param scores - N×2 score matrix (see {@link ScoreMatrix}).
 * @param options - {@link AccuracyOptions}.
 * @returns A new Uint8Array of 0/1 class ids, length N.
 * @throws On a malformed matrix, non-finite scores or an invalid rule.
 *
 * @example
 * ```ts doctest
 * import { predictClasses } from '@patchfx/metrics';
 * Array.from(predictClasses([[0.5, 0.5], [0.4, 0.6], [0.7, 0.3]])); // => [0, 1, 0]
 * const rule = { classId: 0, threshold: 0.6 } as const;
 * Array.from(predictClasses([[0.5, 0.5], [0.4, 0.6], [0.7, 0.3]], { decision: rule })); // => [1, 1, 0]
 * ```
 */
export function predictClasses(
  scores: ScoreMatrix,
  options: AccuracyOptions = {},
  fn = 'predictClasses',
): Uint8Array {
  const s0 = scoreColumn(scores, 0, fn);
  const s1 = scoreColumn(scores, 1, fn);
  const out = new Uint8Array(s0.length);
  const rule = options.decision;
  if (rule === undefined) {
    for (let i = 0; i < out.length; i++) out[i] = s1[i] > s0[i] ? 1 : 0;
    return out;
  }
  const c = classId(rule.classId, 'decision.classId', fn);
  if (typeof rule.threshold !== 'number' || Number.isNaN(rule.threshold)) {
    throw new Error(`${fn}: decision.threshold must be a number, got ${String(rule.threshold)}`);
  }
  const col = c === 0 ? s0 : s1;
  for (let i = 0; i < out.length; i++) out[i] = col[i] > rule.threshold ? c : 1 - c;
  return out;
}

function predictionsFor(
  labels: ArrayLike<number>,
  scores: ScoreMatrix,
  options: AccuracyOptions,
  fn: string,
): { y: Uint8Array; pred: Uint8Array } {
  const y = classIds(labels, fn);
  const pred = predictClasses(scores, options, fn);
  sameLength(y.length, pred.length, 'labels and scores', fn);
  return { y, pred };
}

/**
 * Accuracy: the fraction of rows whose predicted class equals the label (the reference's
 * `acc`). By default the prediction is argmax with ties → class 0, so with the default labels
 * a patch vote of exactly 0.5 counts as fake.
 *
 * @param labels - Class ids 0 | 1, length N.
 * @param scores - N×2 score matrix.
 * @param options - {@link AccuracyOptions}.
 * @returns Accuracy in [0, 1].
 * @throws On empty input, a length mismatch, labels other than 0/1, non-finite scores.
 *
 * @example
 * ```ts doctest
 * import { accuracy } from '@patchfx/metrics';
 * accuracy([0, 1, 1, 0], [[0.5, 0.5], [0.5, 0.5], [0.2, 0.8], [0.9, 0.1]]); // => 0.75
 * ```
 */
export function accuracy(
  labels: ArrayLike<number>,
  scores: ScoreMatrix,
  options: AccuracyOptions = {},
): number {
  const { y, pred } = predictionsFor(labels, scores, options, 'accuracy');
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === pred[i]) correct++;
  return correct / y.length;
}

/**
 * Recall of class `c`: the fraction of rows labelled `c` that are predicted `c`; NaN when no
 * row is labelled `c`. @internal (the one home of per-class recall in this package)
 */
export function classRecall(y: Uint8Array, pred: Uint8Array, c: number): number {
  let total = 0;
  let hit = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== c) continue;
    total++;
    if (pred[i] === c) hit++;
  }
  return total === 0 ? NaN : hit / total;
}

/**
 * Balanced accuracy: the mean of the two per-class accuracies (sklearn
 * `balanced_accuracy_score` for two classes). Insensitive to the real/fake ratio.
 *
 * @param labels - Class ids 0 | 1; both classes must be present.
 * @param scores - N×2 score matrix.
 * @param options - {@link AccuracyOptions}.
 * @returns Balanced accuracy in [0, 1]; 0.5 is chance.
 * @throws As {@link accuracy}; also when one class is missing.
 *
 * @example
 * ```ts doctest
 * import { balancedAccuracy } from '@patchfx/metrics';
 * balancedAccuracy([0, 0, 0, 1], [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]]); // ≈ 0.833333
 * ```
 */
export function balancedAccuracy(
  labels: ArrayLike<number>,
  scores: ScoreMatrix,
  options: AccuracyOptions = {},
): number {
  const fn = 'balancedAccuracy';
  const { y, pred } = predictionsFor(labels, scores, options, fn);
  const r0 = classRecall(y, pred, 0);
  const r1 = classRecall(y, pred, 1);
  if (Number.isNaN(r0) || Number.isNaN(r1)) {
    throw new Error(
      `${fn}: labels contain one class only (every label is ${y[0]}); balanced accuracy needs both (use classAccuracy for a one-class folder)`,
    );
  }
  return (r0 + r1) / 2;
}

/**
 * Accuracy on the rows of one class only: the fraction of samples labelled `cls` that are
 * predicted `cls` (that class's recall). For real-only or fake-only folders, where AP is
 * undefined, this is the only meaningful number; with a {@link DecisionRule} it is the
 * accuracy at a calibrated threshold.
 *
 * @param labels - Class ids 0 | 1.
 * @param scores - N×2 score matrix.
 * @param cls - The class to score, 0 | 1.
 * @param options - {@link AccuracyOptions}.
 * @returns Accuracy in [0, 1] over the rows labelled `cls`.
 * @throws As {@link accuracy}; also when no row is labelled `cls`.
 *
 * @example
 * ```ts doctest
 * import { classAccuracy } from '@patchfx/metrics';
 * const fakes = [[0.9, 0.1], [0.45, 0.55], [0.7, 0.3], [0.5, 0.5]];
 * classAccuracy([0, 0, 0, 0], fakes, 0); // => 0.75
 * classAccuracy([0, 0, 0, 0], fakes, 0, { decision: { classId: 0, threshold: 0.6 } }); // => 0.5
 * ```
 */
export function classAccuracy(
  labels: ArrayLike<number>,
  scores: ScoreMatrix,
  cls: 0 | 1,
  options: AccuracyOptions = {},
): number {
  const fn = 'classAccuracy';
  const c = classId(cls, 'cls', fn);
  const { y, pred } = predictionsFor(labels, scores, options, fn);
  const r = classRecall(y, pred, c);
  if (Number.isNaN(r)) throw new Error(`${fn}: no sample is labelled ${c}`);
  return r;
}
