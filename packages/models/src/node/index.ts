/**
 * Node-only parts of `@patchfx/models`: file-system checkpoints and IOHandler, and the
 * data-parallel trainer (`createDataParallel`), and the training data source over image files
 * (`pairedSource`, worker-thread decoding). Nothing here touches a tfjs backend on the
 * calling thread; only the trainer's worker threads (`data-parallel-worker.js`) start one.
 */
export {
  saveCheckpoint,
  loadCheckpoint,
  fileSystem,
  checkpointSink,
  updateCheckpointManifest,
  type CheckpointSinkOptions,
} from './checkpoint.js';
export {
  calibrateCheckpoints,
  type CalibrateCheckpointsOptions,
  type CheckpointCalibrated,
} from './calibrate-run.js';
export { writeFolderAtomic, resolveAtomicDir } from './atomic.js';
export * from './torch.js';
export { loadDetectorFromPath } from './detector.js';
export * from './data-parallel/index.js';
export { pairedSource, type PairedSource, type PairedSourceOptions } from './paired-source.js';
