/**
 * Node-only parts of `@patchfx/data`: image files and folders, the JPEG codec's WebAssembly
 * from `node_modules`, worker-thread batch loading (and starting a package's worker thread from
 * sources or `dist/`), file audits and atomic file writes. Imports `node:*`.
 */
export { initNodeCodecs, loadImageFile, readImageFile } from './codecs.js';
export {
  discoverImages,
  discoverPairedSplit,
  IMAGE_EXTENSIONS,
  PARTITIONS,
  type DiscoverOptions,
  type DiscoveredImages,
  type Partition,
} from './discover.js';
export {
  createBatchLoader,
  type BatchLoader,
  type BatchLoaderOptions,
  type LoadedBatch,
} from './loader.js';
export { auditFiles, type AuditFilesOptions } from './audit-files.js';
export { startWorker, workerScriptBeside, type WorkerScript } from './worker-thread.js';
export { writeFileAtomic } from './write-file-atomic.js';
export {
  probeVideo,
  readVideoFrames,
  writeVideo,
  checkFfmpeg,
  FFMPEG_INSTALL_HINT,
  type VideoInfo,
  type VideoFrame,
  type VideoReadOptions,
  type VideoWriteOptions,
} from './video.js';
export {
  readTfRecords,
  createTfRecordWriter,
  type ReadTfRecordsOptions,
  type TfRecordWriter,
} from './tfrecord.js';
