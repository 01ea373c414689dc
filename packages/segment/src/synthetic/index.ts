/**
 * The built-in synthetic benchmark (browser-safe part): procedural face-like portraits labelled
 * with the face parts of this package (label id = index in `FACE_PARTS`), a generator-like stage
 * that leaves transposed-convolution traces in chosen parts, and measurements of those traces.
 * File writing is `synthesizeDataset` in `@patchfx/segment/node`. See
 * docs/synthetic-benchmark.md.
 */
export {
  renderScene,
  resolveSceneOptions,
  DEFAULT_SCENE_OPTIONS,
  type SceneOptions,
  type SyntheticScene,
} from './scene.js';
export {
  applyGeneratorTrace,
  createGeneratorStage,
  runGeneratorStage,
  resolveTraceConfig,
  DEFAULT_TRACE_CONFIG,
  TRACE_KERNEL_SIZES,
  type TraceConfig,
  type TraceKernelSize,
  type GeneratorStage,
  type TracedImage,
} from './trace.js';
export { applySensorNoise } from './sensor.js';
export {
  synthesizeSample,
  resolveSyntheticConfig,
  syntheticLegend,
  DEFAULT_SYNTHETIC_CONFIG,
  SYNTHETIC_CLASSES,
  type SyntheticClass,
  type SyntheticConfig,
  type SyntheticSample,
  type SynthesizeSampleOptions,
} from './sample.js';
export { traceCoverage, nyquistEnergy, psnr, type TraceCoverage } from './analysis.js';
