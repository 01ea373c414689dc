export {
  createDataParallel,
  describeBatchSplit,
  type DataParallel,
  type PredictOptions,
} from './data-parallel.js';
export {
  DEFAULT_DATA_PARALLEL_CONFIG,
  REPLICA_BACKENDS,
  defaultWorkerCount,
  resolveDataParallelConfig,
  type BatchNormMode,
  type DataParallelConfig,
  type ReplicaBackend,
  type ResolvedDataParallelConfig,
} from './config.js';
