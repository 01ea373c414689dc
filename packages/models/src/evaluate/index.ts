/**
 * `@patchfx/models/evaluate` (Node only): the evaluation pipelines a researcher's script calls,
 * writing no files.
 *
 * - `predict.ts`: {@link predictFiles} runs a model over image files (the evaluation transform),
 *   keeping each image's logits; {@link softmaxPair} and {@link probabilityMap} turn logits into
 *   probabilities.
 * - `folder-pair.ts`: the options both pipelines share (two folders, a model, how it runs:
 *   {@link RUNTIMES}, {@link parseRuntime}, re-exported from `@patchfx/models/onnx` without its
 *   exporter, so a program choosing its runtime does not load protobufjs).
 * - `evaluate-folders.ts`: {@link evaluateFolders} evaluates a checkpoint or a model on a real
 *   and a fake folder (the reference's test.py): scores under every aggregation mode, metrics.
 * - `top-patches.ts`: {@link collectTopPatches} collects the most predictive patches of each
 *   class and their pixels (the reference's patches.py).
 *
 * The programs `evaluate`, `patches`, `robustness` and `test-runs` call these and write the
 * reference's results folders.
 */
export {
  predictFiles,
  prepareImage,
  probabilityMap,
  softmaxPair,
  type FilePredictions,
  type ImagePrediction,
  type PredictFilesOptions,
  type Predictor,
} from './predict.js';
export type { FolderPairOptions } from './folder-pair.js';
export { ONNXRUNTIME_VERSION, parseRuntime, RUNTIMES, type Runtime } from '../onnx/runtime.js';
export {
  evaluateFolders,
  type EvaluateFoldersOptions,
  type FolderEvaluation,
} from './evaluate-folders.js';
export {
  collectTopPatches,
  cutPatch,
  selectPatches,
  type ClassTopPatches,
  type CollectTopPatchesOptions,
  type PatchCandidate,
  type TopPatches,
} from './top-patches.js';
