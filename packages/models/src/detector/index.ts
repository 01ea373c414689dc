/**
 * Single-image detection for apps: load a detector, score an image, explain it with its
 * strongest patches and their face parts, calibrate a threshold, write a JSON report.
 * Browser-safe; `loadDetectorFromPath` (file paths) is in `@patchfx/models/node`.
 */
export {
  Detector,
  loadDetector,
  type DetectorInit,
  type DetectorSource,
  type LoadDetectorOptions,
  type LoadedOnnxModel,
} from './detector.js';
export type {
  Detection,
  DetectOptions,
  Explanation,
  ExplainedPatch,
  ExplainOptions,
  ProbabilityMap,
} from './types.js';
export {
  DEFAULT_DETECTOR_CONFIG,
  resolveDetectorConfig,
  readOptYmlSizes,
  resolveDetectorSizes,
  chooseCalibration,
  type DetectorConfig,
  type OnWarning,
} from './config.js';
export {
  DETECTOR_LABELS,
  abstainBand,
  classifyScore,
  decisionBand,
  describeDecision,
  checkCalibration,
  type CalibrationProvenance,
  type DecisionBand,
  type DetectorCalibration,
  type DetectorLabel,
  type FittedBand,
} from './decision.js';
export {
  calibrateDetector,
  fitCalibration,
  DEFAULT_CALIBRATION_TARGETS,
  type CalibrateOptions,
  type FitCalibrationOptions,
} from './calibrate.js';
export {
  INPUT_KINDS,
  prepareInput,
  type DetectorInput,
  type ImageDataLike,
  type InputKind,
  type PreparedInput,
  type ReadFile,
} from './input.js';
export {
  SIZE_SOURCES,
  boxToOriginal,
  type PixelBox,
  type Preprocessing,
  type ResolvedSizes,
  type SizeSource,
} from './preprocess.js';
export type { PartMapLike, PartShare, PatchPart, SegmenterLike } from './parts.js';
export { urlCheckpointReader, memoryCheckpointReader, type UrlReaderOptions } from './reader.js';
export {
  REPORT_FORMAT,
  REPORT_VERSION,
  type DetectorReport,
  type ReportOptions,
  type ReportPatch,
} from './report.js';
export { PATCHFX_VERSION } from './version.js';
export { parseRuntime, RUNTIMES, type Runtime } from '../onnx/runtime.js';
