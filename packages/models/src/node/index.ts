/**
 * Node-only parts of `@patchfx/models`: file-system checkpoints and IOHandler.
 * Imports `node:fs`; nothing here touches a tfjs backend.
 */
export { saveCheckpoint, loadCheckpoint, fileSystem, checkpointSink } from './checkpoint.js';
export { writeFolderAtomic, resolveAtomicDir } from './atomic.js';
export * from './torch.js';
export { loadDetectorFromPath } from './detector.js';
