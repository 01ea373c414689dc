/**
 * @patchfx/models — patch discriminators of "What makes fake images detectable?" (Chai et al.,
 * ECCV 2020) on TensorFlow.js: truncated Xception and ResNet classifiers that output one
 * real/fake logit pair per receptive-field patch.
 *
 * Where things are: `build.ts` builds a model, `architectures/` holds the networks,
 * `receptive-field.ts` the patch geometry, `train/` the training loop, `io/` checkpoints,
 * `kernels/` the wasm training kernels, `fold/` BatchNorm folding for fast inference. Node
 * file IO is under `@patchfx/models/node`, backend selection under `@patchfx/models/backend`.
 */
export {
  XCEPTION_LAYERS,
  RESNET_LAYERS,
  RESNET_DEPTHS,
  BACKBONES,
  INIT_TYPES,
  DEFAULT_MODEL_CONFIG,
  listModelNames,
  parseModelName,
  modelName,
  isPatchModel,
  resolveModelConfig,
  type Backbone,
  type XceptionLayer,
  type ResnetLayer,
  type ResnetDepth,
  type InitType,
  type ModelConfig,
  type ModelConfigInput,
} from './variants.js';
export {
  buildPatchDiscriminator,
  getModelMetadata,
  countParams,
  METADATA_KEY,
  type ModelMetadata,
} from './build.js';
export { initializeWeights, torchFans, type InitOptions } from './init.js';
export {
  receptiveField,
  outputSize,
  patchWindow,
  type ReceptiveField,
  type PatchWindow,
} from './receptive-field.js';
export * from './layers/index.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './kernels/wasm-training.js';
export { Adam, DEFAULT_ADAM_CONFIG, type AdamConfig, type AdamState } from './train/adam.js';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  disposeAdamState,
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  NORMALIZATION,
  TRAINING_CROPS,
  checkpointPreprocessing,
  type CheckpointContents,
  type CheckpointManifest,
  type CheckpointPreprocessing,
  type TrainingCrop,
  type TrainingRecord,
  type CheckpointReader,
  type LoadedCheckpoint,
  type LoadCheckpointOptions,
  type TrainingState,
} from './io/checkpoint.js';
export { patchCrossEntropy, patchAccuracies, type PatchAccuracies } from './train/loss.js';
export {
  trainStep,
  evalStep,
  recalibrateBatchNorm,
  trainableVariables,
  microBatches,
  balancedParts,
  scoreLogits,
  resolveStepFunctions,
  type StepFunctions,
  type StepResult,
  type TrainStepOptions,
} from './train/step.js';
export type { BatchNormAccumulation } from './layers/batch-norm.js';
export {
  BatchNormSync,
  BatchNormSyncAborted,
  createBatchNormSyncBuffer,
  type BatchMoments,
  type BatchNormSyncBuffer,
  type BatchNormSyncOptions,
} from './layers/batch-norm-sync.js';
export {
  PlateauScheduler,
  selectAndStop,
  LR_POLICIES,
  type LrPolicy,
  type PlateauState,
  type SelectionState,
  type SelectionDecision,
} from './train/schedule.js';
export {
  trainPatchDiscriminator,
  DEFAULT_FIT_CONFIG,
  type Batch,
  type BatchSource,
  type CheckpointSink,
  type FitState,
  type FitConfig,
  type FitOptions,
  type FitResult,
  type FitCallbacks,
  type StepLog,
  type EpochLog,
} from './train/fit.js';
export {
  estimateTrainingMemory,
  wasmHeapBytes,
  MEMORY_FACTORS,
  BYTES_PER_PARAMETER,
  WASM_HEAP_MAX_BYTES,
  WASM_RESERVE_BYTES,
  MEMORY_BACKENDS,
  trainingMemoryLimit,
  planMicroBatch,
  type MemoryBackend,
  type MicroBatchPlan,
  type MicroBatchPlanOptions,
  type LayerMemory,
  type TrainingMemoryEstimate,
} from './train/memory.js';
export * from './torch/index.js';
export { countFlops } from './flops.js';
export {
  foldBatchNorm,
  DEFAULT_FOLD_OPTIONS,
  FOLDED_STEP_KINDS,
  type FoldedModel,
  type FoldedStep,
  type FoldedStepKind,
  type FoldOptions,
} from './fold/fold-batch-norm.js';
export * from './detector/index.js';
export {
  initNativeKernels,
  nativeKernelsActive,
  setNativeKernelsEnabled,
} from './kernels/wasm-training.js';
