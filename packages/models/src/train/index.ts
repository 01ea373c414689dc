/**
 * `@patchfx/models/train` — training a patch discriminator as the reference's train.py does:
 * Adam, the patch-wise loss, one step, the plateau schedule with best-val selection, the epoch
 * loop (`trainPatchDiscriminator`), memory planning for micro-batches, and BatchNorm synchronised
 * across data-parallel threads. Multi-threaded training and checkpoint files are in
 * `@patchfx/models/node`; the wasm training kernels register with `useBackend('wasm')` of
 * `@patchfx/models/backend`.
 */
export { Adam, DEFAULT_ADAM_CONFIG, type AdamConfig, type AdamState } from './adam.js';
export { patchCrossEntropy, patchAccuracies, type PatchAccuracies } from './loss.js';
export {
  trainStep,
  evalStep,
  recalibrateBatchNorm,
  trainableVariables,
  microBatches,
  balancedParts,
  computeLossAndAccuracies,
  resolveStepFunctions,
  type StepFunctions,
  type StepResult,
  type TrainStepOptions,
} from './step.js';
export type { BatchNormAccumulation } from '../layers/batch-norm.js';
export {
  BatchNormSync,
  BatchNormSyncAborted,
  createBatchNormSyncBuffer,
  type BatchMoments,
  type BatchNormSyncBuffer,
  type BatchNormSyncOptions,
} from '../layers/batch-norm-sync.js';
export {
  PlateauScheduler,
  decideAfterEpoch,
  LR_POLICIES,
  type LrPolicy,
  type PlateauState,
  type SelectionState,
  type SelectionDecision,
} from './schedule.js';
export {
  trainPatchDiscriminator,
  trainingLogits,
  DEFAULT_FIT_CONFIG,
  type Batch,
  type BatchSource,
  type CheckpointSink,
  type FitConfig,
  type FitOptions,
  type FitResult,
  type FitCallbacks,
  type DisplayBatch,
  type StepLog,
  type EpochLog,
} from './fit.js';
export { readTrainingState, type TrainingState } from './state.js';
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
} from './memory.js';
