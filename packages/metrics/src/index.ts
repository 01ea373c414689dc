/**
 * @patchfx/metrics — how well a patch forensics model separates real from fake: the
 * reference's patch aggregation (`vote`, `before_softmax`, `after_softmax`, per-patch), AP and
 * precision–recall / ROC curves identical to scikit-learn 1.2.1, accuracies, EER, TPR at fixed
 * FPRs, bootstrap intervals, threshold calibration, and the `metrics_*.json` report.
 *
 * Where things are: `aggregate.ts` (tensors → scores), `average-precision.ts`, `roc.ts`,
 * `accuracy.ts`, `bootstrap.ts`, `calibrate.ts`, `compute-metrics.ts` (the report),
 * `score-matrix.ts` (the N×2 score type). Label convention (spec §1.1): channel index = class
 * id; with the default `fakeClassId` 0, column 0 is P(fake) and column 1 is P(real).
 */
export {
  AVERAGE_MODES,
  parseAverageMode,
  aggregatePredictions,
  aggregatePredictionsAsync,
  patchSamples,
  patchSamplesAsync,
  type AverageMode,
  type PatchSampleTensors,
  type PatchSamples,
} from './aggregate.js';
export { scoreColumn, scoreRows, type ScoreMatrix, type FlatScoreMatrix } from './score-matrix.js';
export {
  precisionRecallCurve,
  averagePrecision,
  type BinaryMetricOptions,
  type PrecisionRecallCurve,
} from './average-precision.js';
export {
  rocCurve,
  rocAuc,
  equalErrorRate,
  tprAtFpr,
  resolveTargetFprs,
  DEFAULT_TARGET_FPRS,
  type RocCurve,
  type RocCurveOptions,
  type TprAtFprOptions,
} from './roc.js';
export {
  predictClasses,
  accuracy,
  balancedAccuracy,
  classAccuracy,
  type AccuracyOptions,
  type DecisionRule,
} from './accuracy.js';
export {
  bootstrapAveragePrecision,
  resolveBootstrapOptions,
  DEFAULT_BOOTSTRAP_OPTIONS,
  type BootstrapOptions,
  type ConfidenceInterval,
} from './bootstrap.js';
export {
  calibrateThresholdAtFpr,
  calibrateThresholdBalanced,
  type FprCalibration,
  type BalancedCalibration,
} from './calibrate.js';
export {
  computeMetrics,
  computeSingleClassMetrics,
  DEFAULT_METRICS_OPTIONS,
  type MetricsOptions,
  type MetricsReport,
  type SingleClassMetricsReport,
} from './compute-metrics.js';
export {
  meanStd,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
  type PairedDifference,
} from './paired.js';
