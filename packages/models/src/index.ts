/**
 * @patchfx/models — patch discriminators of "What makes fake images detectable?" (Chai et al.,
 * ECCV 2020) on TensorFlow.js: truncated Xception and ResNet classifiers that output one
 * real/fake logit pair per receptive-field patch.
 *
 * This entry is the network: `variants.ts` names the models, `build.ts` builds one,
 * `architectures/` holds the networks, `receptive-field.ts` the patch geometry, `io/` the
 * checkpoint format, `fold/` BatchNorm folding for fast inference. The other parts have their own
 * entries: `@patchfx/models/train` (training), `@patchfx/models/torch` (PyTorch checkpoints),
 * `@patchfx/models/detector` (the app-facing detector), `@patchfx/models/evaluate` (scoring
 * folders), `@patchfx/models/backend` (backends and the wasm training kernels) and
 * `@patchfx/models/node` (files, data-parallel training).
 */
export {
  XCEPTION_LAYERS,
  RESNET_LAYERS,
  RESNET_DEPTHS,
  BACKBONES,
  INIT_TYPES,
  DEFAULT_MODEL_CONFIG,
  listModelNames,
  modelName,
  isPatchModel,
  resolveModelConfig,
  sameArchitecture,
  referenceSizes,
  REFERENCE_SIZES,
  type ReferenceSizes,
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
  patchGrid,
  getModelMetadata,
  countParams,
  METADATA_KEY,
  type ModelMetadata,
} from './build.js';
export { initializeWeights, type InitOptions } from './init.js';
export {
  receptiveField,
  outputSize,
  patchWindow,
  type ReceptiveField,
  type PatchWindow,
} from './receptive-field.js';
export * from './layers/index.js';
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
  type CheckpointState,
} from './io/checkpoint.js';
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
