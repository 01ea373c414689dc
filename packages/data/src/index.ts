/**
 * @patchfx/data — image decoding that agrees with Pillow, PIL-exact resizing, the reference's
 * transforms and augmentations, seeded randomness, paired real/fake batches and dataset audits.
 * Browser-safe; Node file IO and worker-thread loading are under `@patchfx/data/node`.
 */
export { createImage, ImageDecodeError, type RgbImage } from './image.js';
export { createRng, uniformStream, mixSeeds, type Rng, type UniformStream } from './random.js';
export { crc32, crc32c, maskedCrc32c } from './crc32.js';
export {
  sniffImageFormat,
  IMAGE_FORMATS,
  DECODABLE_FORMATS,
  type ImageFormat,
  type DecodableFormat,
} from './decode/format.js';
export { decodeImage } from './decode/decode.js';
export { decodePng, readPngHeader, type PngHeader } from './decode/png.js';
export {
  encodePng,
  PNG_SIGNATURE,
  PNG_FILTERS,
  type PngFilter,
  type PngDeflate,
  type PngPixels,
  type PngEncodeOptions,
} from './decode/png-encode.js';
export {
  decodeJpeg,
  encodeJpeg,
  readJpegHeader,
  estimateJpegQuality,
  jpegSubsampling,
  setJpegWasm,
  type JpegHeader,
  type JpegComponent,
  type JpegEncodeOptions,
} from './decode/jpeg.js';
export { decodeNetpbm } from './decode/netpbm.js';
export { decodeBmp } from './decode/bmp.js';
export {
  resizeImage,
  resizeShorterSide,
  shorterSideSize,
  RESAMPLE_FILTERS,
  type ResampleFilter,
} from './resize.js';
export {
  cropImage,
  centerCrop,
  centerCropBox,
  randomCrop,
  randomResizedCrop,
  randomResizedCropBox,
  flipHorizontal,
  roundHalfEven,
  type CropBox,
  type RandomResizedCropOptions,
} from './transforms/geometry.js';
export {
  gaussianBlur,
  boxBlur,
  adjustGamma,
  adjustBrightnessContrast,
  jpegRecompress,
  resizeRoundTrip,
} from './transforms/filters.js';
export { normalizeImage, batchToTensor } from './transforms/normalize.js';
export {
  TRANSFORM_MODES,
  DEFAULT_TRANSFORM_CONFIG,
  resolveTransformConfig,
  transformOutputSize,
  trainTransform,
  evalTransform,
  applyTransform,
  cnnDetectionAugment,
  colorAugment,
  type TransformConfig,
  type TransformMode,
} from './transforms/pipeline.js';
export {
  pairedLength,
  pairedItem,
  planPairedEpoch,
  pairedLabels,
  type PairedItem,
  type PairedEpochOptions,
} from './paired.js';
export {
  auditDataset,
  inspectImage,
  type ImageFileInfo,
  type DatasetAudit,
  type DatasetSideSummary,
  type AuditOptions,
} from './audit.js';
export {
  isGroundTruthFile,
  groundTruthPaths,
  GROUND_TRUTH_DIR,
  GROUND_TRUTH_SUFFIXES,
} from './ground-truth.js';
export type { PatchGrid } from './patch-grid.js';
export { numpyRandomState, type NumpyRandomState } from './numpy-random.js';
