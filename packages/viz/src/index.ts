/**
 * @patchfx/viz — pictures of what a patch model sees: OpenCV-exact heatmap overlays and
 * colormaps, scipy-exact blurs, image grids, SVG charts, `.npy`/PNG encoders and self-contained
 * HTML galleries and reports. Pure functions on plain pixel buffers and number arrays: no DOM,
 * no tensors (except the two `*FromTensor` readers), the same in Node and browsers.
 *
 * Where things are: `types.ts` (data shapes), `normalize.ts`, `resize.ts`, `colormap.ts`,
 * `overlay.ts` (the `test.py --visualize` and training overlays), `blur.ts` (the overlay
 * notebook), `grid.ts`, `draw.ts`, `text.ts`, `png.ts`, `npy.ts`, `charts/`, `html/`, `tensorboard/` (event
 * records).
 * Compressed PNG and file IO are under `@patchfx/viz/node`.
 */
export {
  IMAGE_CHANNELS,
  type PixelData,
  type ImageChannels,
  type PixelImage,
  type PixelImageInput,
  type MapData,
  type PatchMap,
  type LabelData,
  type LabelMap,
  type Size,
  type Rgb,
  type Box,
} from './types.js';
export {
  normalizeMinMax,
  averageMaps,
  mapToGray,
  OVERLAY_EPSILON,
  type NormalizeOptions,
  type MapToGrayOptions,
} from './normalize.js';
export { resizeMapBilinear, resizeImageBilinear, resizeNearest } from './resize.js';
export {
  COLORMAPS,
  colormapLut,
  colormapColor,
  applyColormap,
  type ColormapName,
} from './colormap.js';
export {
  patchOverlay,
  heatmapAvgImage,
  trainingOverlay,
  probabilityLabel,
  DEFAULT_PATCH_OVERLAY_OPTIONS,
  HEATMAP_SCALES,
  type HeatmapScale,
  type PatchOverlayOptions,
  type HeatmapAvgOptions,
  type TrainingOverlayOptions,
} from './overlay.js';
export {
  gaussianFilter,
  outerContour,
  overlayBlur,
  renderAverageHeatmap,
  combineEasiestAverages,
  BLUR_DIRECTIONS,
  DEFAULT_OVERLAY_BLUR_OPTIONS,
  type Sigma,
  type GaussianFilterOptions,
  type BlurDirection,
  type OverlayBlurOptions,
  type BoneHeatmapOptions,
} from './blur.js';
export { imageGrid, type GridOptions } from './grid.js';
export { drawRect, drawBorder, YELLOW, GREEN, RED, type RectOptions } from './draw.js';
export { drawText, measureText, DEFAULT_TEXT_OPTIONS, type TextOptions } from './text.js';
export {
  imageFromFloats,
  toRgb,
  toRgba,
  PIXEL_RANGES,
  PIXEL_LAYOUTS,
  type PixelRange,
  type PixelLayout,
  type FloatImageOptions,
} from './convert.js';
export { patchMapFromTensor, imageFromTensor } from './tensor.js';
export { encodePngRgba } from './png.js';
export {
  encodeNpy,
  decodeNpy,
  NPY_DTYPES,
  type NpyDtype,
  type NpyData,
  type NpyArray,
} from './npy.js';
export {
  CHART_PALETTE,
  LEGEND_POSITIONS,
  type ChartOptions,
  type LegendPosition,
  type LineSeries,
} from './charts/frame.js';
export { renderPrCurve, type PrCurveSeries } from './charts/pr-curve.js';
export { renderRocCurve, type RocCurveSeries } from './charts/roc-curve.js';
export { renderDegradationChart, type DegradationSeries } from './charts/degradation.js';
export { renderTrainingCurves, type TrainingSeries } from './charts/training-curves.js';
export {
  renderPartHistogram,
  combinePartCounts,
  type PartCount,
  type PartHistogramOptions,
} from './charts/part-histogram.js';
export { renderLightbox, type LightboxOptions, type GalleryItem } from './html/lightbox.js';
export {
  renderReport,
  REPORT_SECTION_KINDS,
  type ReportSection,
  type ReportOptions,
  type MetricsSection,
  type PrCurvesSection,
  type RocCurvesSection,
  type TrainingCurvesSection,
  type DegradationSection,
  type PartHistogramSection,
  type GallerySection,
  type TextSection,
  type SvgSection,
} from './html/report.js';
export {
  loadTensorBoardEncoder,
  tensorBoardFileName,
  TENSORBOARD_FILE_VERSION,
  type TensorBoardEvent,
  type TensorBoardEncoder,
  type TensorBoardScalar,
  type TensorBoardImage,
} from './tensorboard/event.js';
export { escapeXml } from './internal/escape.js';
