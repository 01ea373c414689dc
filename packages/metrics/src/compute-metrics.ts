/**
 * The evaluation report written as `metrics_*.json`: the reference's `compute_metrics`
 * (spec §4.3: `ap`, `acc`, `n`, `precision`, `recall`, `thresholds`) plus detector metrics.
 */
import { classRecall, predictClasses, type DecisionRule } from './accuracy.js';
import {
  apFromCumulative,
  eerFromRoc,
  prFromRanked,
  rocFromRanked,
  tprAtFprFromRoc,
  trapezoidArea,
} from './internal/curves.js';
import { rankScores } from './internal/ranking.js';
import { classIds, sameLength } from './internal/validate.js';
import { DEFAULT_TARGET_FPRS, resolveTargetFprs } from './roc.js';
import { scoreColumn, type ScoreMatrix } from './score-matrix.js';

/** Per-call options of {@link computeMetrics} and {@link computeSingleClassMetrics}. */
export interface MetricsOptions {
  /** Class id (= score column) of the fake class; real is `1 − fakeClassId`. @defaultValue 0 */
  readonly fakeClassId?: 0 | 1;
  /** FPR targets of `tpr_at_fpr`. @defaultValue [0.01, 0.05, 0.1] */
  readonly fprs?: readonly number[];
  /**
   * How rows become classes for `acc`, `balanced_acc`, `acc_real`, `acc_fake`. Omitted: argmax
   * with ties → class 0 (the reference's rule).
   * @defaultValue argmax
   */
  readonly decision?: DecisionRule;
}

/** Defaults of {@link MetricsOptions}. */
export const DEFAULT_METRICS_OPTIONS: Readonly<{
  fakeClassId: 0 | 1;
  fprs: readonly number[];
  decision: DecisionRule | undefined;
}> = Object.freeze({ fakeClassId: 0, fprs: DEFAULT_TARGET_FPRS, decision: undefined });

/**
 * Returns a complete copy of metrics options with defaults filled in.
 *
 * @throws When `fakeClassId` is not 0 | 1 or an FPR target is outside [0, 1].
 */
function resolveMetricsOptions(options: MetricsOptions = {}): {
  fakeClassId: 0 | 1;
  fprs: number[];
  decision: DecisionRule | undefined;
} {
  const fakeClassId = options.fakeClassId ?? DEFAULT_METRICS_OPTIONS.fakeClassId;
  if (fakeClassId !== 0 && fakeClassId !== 1) {
    throw new Error(`fakeClassId must be one of 0 | 1, got ${JSON.stringify(fakeClassId)}`);
  }
  return {
    fakeClassId,
    fprs: resolveTargetFprs(options.fprs ?? DEFAULT_METRICS_OPTIONS.fprs, 'computeMetrics'),
    decision: options.decision,
  };
}

/**
 * The content of a `metrics_*.json` file. Key names are snake_case because they are a file
 * format (the reference's `.npz` keys, plus patchfx's additions); do not rename them.
 */
export interface MetricsReport {
  /**
   * The reference's AP: positive class = REAL, score = P(real) (column `1 − fakeClassId`), as in
   * the paper (sklearn `average_precision_score(y == real, P[:, real])`).
   */
  readonly ap: number;
  /** AP with FAKE as the positive class and score P(fake), the usual detector convention. */
  readonly ap_fake: number;
  /** Accuracy of argmax (ties → class 0) against the labels. */
  readonly acc: number;
  /** Number of samples (images, or patches for `metrics_patch`). */
  readonly n: number;
  /** PR curve of the real-positive AP (sklearn `precision_recall_curve`), length T + 1. */
  readonly precision: number[];
  /** Recall of the same curve, length T + 1. */
  readonly recall: number[];
  /** Thresholds of the same curve (ascending distinct P(real)), length T. */
  readonly thresholds: number[];
  /** ROC AUC, fake positive with score P(fake) (sklearn `roc_auc_score`). */
  readonly roc_auc: number;
  /** Equal error rate, fake positive (see `equalErrorRate`). */
  readonly eer: number;
  /** Mean of the real and fake accuracies. */
  readonly balanced_acc: number;
  /** Fraction of fakes caught at each FPR on reals, keyed `String(fpr)`: "0.01", "0.05", "0.1". */
  readonly tpr_at_fpr: Record<string, number>;
  /** Accuracy on the real samples only. */
  readonly acc_real: number;
  /** Accuracy on the fake samples only. */
  readonly acc_fake: number;
}

function readInputs(labels: ArrayLike<number>, scores: ScoreMatrix, fn: string) {
  const y = classIds(labels, fn);
  const s0 = scoreColumn(scores, 0, fn);
  const s1 = scoreColumn(scores, 1, fn);
  sameLength(y.length, s0.length, 'labels and scores', fn);
  return { y, s0, s1 };
}

/**
 * Computes everything the evaluation program writes for one aggregation mode, from labels and
 * an N×2 score matrix (e.g. {@link aggregatePredictionsAsync} or {@link patchSamplesAsync}).
 *
 * Which AP is which: `ap` is the reference's and the paper's (positive = REAL, score P(real));
 * `ap_fake` takes FAKE as positive with score P(fake), as most detectors report. The ROC
 * metrics (`roc_auc`, `eer`, `tpr_at_fpr`) take FAKE as positive too: `tpr_at_fpr["0.01"]` is
 * the fraction of fakes caught when 1 % of reals are flagged. The PR arrays are the ones
 * behind `ap`. The reference itself computes `average_precision_score(y, P[:, 1])`; that is
 * `ap` for the default `fakeClassId` 0; with `fakeClassId` 1 patchfx keeps `ap` real-positive.
 *
 * @param labels - Class ids 0 | 1 (channel index = class id), both classes present.
 * @param scores - N×2 score matrix, row = `[P(class 0), P(class 1)]`.
 * @param options - {@link MetricsOptions}.
 * @returns A new {@link MetricsReport}; JSON-serialisable as is (every number is finite).
 * @throws When one class is missing (use {@link computeSingleClassMetrics}), on empty input, a
 *   length mismatch, labels other than 0/1, non-finite scores, or invalid options.
 *
 * @example
 * ```ts doctest
 * import { computeMetrics } from '@patchfx/metrics';
 * const labels = [1, 1, 1, 0, 0, 0]; // 1 = real, 0 = fake (fakeClassId 0)
 * const scores = [[0.1, 0.9], [0.3, 0.7], [0.6, 0.4], [0.8, 0.2], [0.5, 0.5], [0.35, 0.65]];
 * const m = computeMetrics(labels, scores);
 * m.ap; // ≈ 0.866667
 * m.acc; // ≈ 0.666667
 * m.n; // => 6
 * m.acc_real; // ≈ 0.666667
 * m.thresholds; // => [0.2, 0.4, 0.5, 0.65, 0.7, 0.9]
 * Object.keys(m.tpr_at_fpr); // => ['0.01', '0.05', '0.1']
 * ```
 */
export function computeMetrics(
  labels: ArrayLike<number>,
  scores: ScoreMatrix,
  options: MetricsOptions = {},
): MetricsReport {
  const fn = 'computeMetrics';
  const o = resolveMetricsOptions(options);
  const { y, s0, s1 } = readInputs(labels, scores, fn);
  const fake = o.fakeClassId;
  const real = (1 - fake) as 0 | 1;
  const pReal = real === 1 ? s1 : s0;
  const pFake = fake === 1 ? s1 : s0;
  const rankedReal = rankScores(y, pReal, real, fn);
  const rankedFake = rankScores(y, pFake, fake, fn);
  const pr = prFromRanked(rankedReal);
  const rocDropped = rocFromRanked(rankedFake, true);
  const rocFull = rocFromRanked(rankedFake, false);
  const pred = predictClasses(scores, { decision: o.decision }, fn);
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) correct++;
  const accReal = classRecall(y, pred, real);
  const accFake = classRecall(y, pred, fake);
  const tprAt: Record<string, number> = {};
  for (const f of o.fprs) tprAt[String(f)] = tprAtFprFromRoc(rocFull.fpr, rocFull.tpr, f);
  return {
    ap: apFromCumulative(rankedReal.tps, rankedReal.fps, rankedReal.tps.length),
    ap_fake: apFromCumulative(rankedFake.tps, rankedFake.fps, rankedFake.tps.length),
    acc: correct / y.length,
    n: y.length,
    precision: pr.precision,
    recall: pr.recall,
    thresholds: pr.thresholds,
    roc_auc: trapezoidArea(rocDropped.fpr, rocDropped.tpr),
    eer: eerFromRoc(rocFull.fpr, rocFull.tpr),
    balanced_acc: (accReal + accFake) / 2,
    tpr_at_fpr: tprAt,
    acc_real: accReal,
    acc_fake: accFake,
  };
}

/** The report for a folder of one class, where AP and the curves are undefined. */
export interface SingleClassMetricsReport {
  /** Always `null`: AP needs both classes. */
  readonly ap: null;
  /** Always `null`. */
  readonly ap_fake: null;
  /** Accuracy (the accuracy on the one class present). */
  readonly acc: number;
  /** Number of samples. */
  readonly n: number;
  /** Accuracy on reals, or `null` when the folder holds fakes. */
  readonly acc_real: number | null;
  /** Accuracy on fakes, or `null` when the folder holds reals. */
  readonly acc_fake: number | null;
}

/**
 * The metrics of a one-class folder (real-only or fake-only), where AP, ROC and balanced
 * accuracy are undefined: accuracy only, `ap: null`.
 *
 * @param labels - Class ids 0 | 1, all equal.
 * @param scores - N×2 score matrix.
 * @param options - {@link MetricsOptions} (`fprs` is ignored).
 * @returns A new {@link SingleClassMetricsReport}.
 * @throws When both classes are present (use {@link computeMetrics}), on empty input, a length
 *   mismatch, labels other than 0/1 or non-finite scores.
 *
 * @example
 * ```ts doctest
 * import { computeSingleClassMetrics } from '@patchfx/metrics';
 * const m = computeSingleClassMetrics([0, 0, 0, 0], [[0.9, 0.1], [0.6, 0.4], [0.5, 0.5], [0.2, 0.8]]);
 * m; // => { ap: null, ap_fake: null, acc: 0.75, n: 4, acc_real: null, acc_fake: 0.75 }
 * ```
 */
export function computeSingleClassMetrics(
  labels: ArrayLike<number>,
  scores: ScoreMatrix,
  options: MetricsOptions = {},
): SingleClassMetricsReport {
  const fn = 'computeSingleClassMetrics';
  const o = resolveMetricsOptions(options);
  const { y } = readInputs(labels, scores, fn);
  const c = y[0];
  for (let i = 1; i < y.length; i++) {
    if (y[i] !== c) {
      throw new Error(`${fn}: labels contain both classes; use computeMetrics`);
    }
  }
  const pred = predictClasses(scores, { decision: o.decision }, fn);
  const acc = classRecall(y, pred, c);
  const real = 1 - o.fakeClassId;
  return {
    ap: null,
    ap_fake: null,
    acc,
    n: y.length,
    acc_real: c === real ? acc : null,
    acc_fake: c === real ? null : acc,
  };
}
