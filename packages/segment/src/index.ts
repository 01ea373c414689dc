/**
 * @patchfx/segment — which face part a patch shows: the reference's face-part clusters, a face
 * parser built from pretrained face-landmark and person-segmentation models, a segmenter that
 * reads stored label maps, the patch-to-cluster rule with its random baseline, FFHQ-style
 * face alignment, and the synthetic benchmark (face-like portraits labelled with these parts,
 * with generator traces in chosen parts). Browser-safe; file access is under
 * `@patchfx/segment/node`.
 */
export {
  FACE_PARTS,
  FACE_PART_COLORS,
  CELEBAMASK_LABELS,
  CELEBAMASK_CLUSTERS,
  clusterOf,
  facePartIds,
  type FacePart,
  type CelebaMaskLabel,
} from './parts.js';
export {
  createPartMap,
  resizePartMap,
  partMapToInputGrid,
  colorizePartMap,
  type PartMap,
} from './part-map.js';
export {
  labelCounts,
  partFractions,
  assignCluster,
  randomPatchPosition,
  type PatchBox,
  type ClusterAssignment,
} from './cluster.js';
export { formatClusterCounts, parseClusterCounts, type ClusterCount } from './cluster-counts.js';
export {
  SEGMENTER_KINDS,
  DEFAULT_SEGMENTER_CONFIG,
  resolveSegmenterConfig,
  type SegmenterKind,
  type SegmenterConfig,
  type SegmentOptions,
  type SegmentInput,
  type Segmenter,
  type SegmenterRuntime,
} from './segmenter.js';
export { createSegmenter } from './create-segmenter.js';
export type { FacePartMap } from './face-parser.js';
export { FACE_MODEL_FILES, type FaceModelName, type FaceModelLoader } from './face/models.js';
export {
  FACE_MESH_REGIONS,
  MESH_POINTS,
  EYE_CENTER_POINTS,
  MESH_POINT_COUNT,
} from './face/mesh.js';
export {
  createFaceLandmarker,
  resolveFaceLandmarkerConfig,
  DEFAULT_FACE_LANDMARKER_CONFIG,
  type FaceLandmarker,
  type FaceLandmarkerConfig,
  type FaceLandmarks,
  type FaceModelRuntime,
  type FivePoints,
} from './face/landmarker.js';
export type { Point } from './face/geometry.js';
export {
  alignmentQuad,
  alignFaceWithPoints,
  alignFace,
  toAlignedCoordinates,
  type AlignmentQuad,
  type AlignOptions,
  type AlignedFace,
  type AlignResult,
} from './align.js';
export {
  renderScene,
  resolveSceneOptions,
  DEFAULT_SCENE_OPTIONS,
  type SceneOptions,
  type SyntheticScene,
} from './synthetic/scene.js';
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
} from './synthetic/trace.js';
export { applySensorNoise } from './synthetic/sensor.js';
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
} from './synthetic/sample.js';
export { traceCoverage, nyquistEnergy, psnr, type TraceCoverage } from './synthetic/analysis.js';
