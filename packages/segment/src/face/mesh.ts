/**
 * FaceMesh (MediaPipe's 468-point face landmark model): the regions of its topology that the
 * face parser and the aligner use, and running it on a rotated square crop.
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '@patchfx/data';
import { cropRoi, roiToImage, type Point, type Roi } from './geometry.js';

/** FaceMesh input side. */
export const MESH_INPUT_SIZE = 192;

/** Number of FaceMesh landmarks. */
export const MESH_POINT_COUNT = 468;

/**
 * Closed contours of the FaceMesh topology, as landmark indices in drawing order. "left" and
 * "right" are the image's sides (the subject's right eye is `leftEye`).
 *
 * @example
 * ```ts doctest
 * import { FACE_MESH_REGIONS } from '@patchfx/segment';
 * FACE_MESH_REGIONS.faceOval.length; // => 36
 * ```
 */
export const FACE_MESH_REGIONS = Object.freeze({
  /** The face silhouette: forehead top, temples, cheeks, jaw, chin. */
  faceOval: Object.freeze([
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
  ]),
  leftEye: Object.freeze([
    33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7,
  ]),
  rightEye: Object.freeze([
    263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249,
  ]),
  leftBrow: Object.freeze([70, 63, 105, 66, 107, 55, 65, 52, 53, 46]),
  rightBrow: Object.freeze([300, 293, 334, 296, 336, 285, 295, 282, 283, 276]),
  /** Bridge from between the eyes, down the sides, round the alae and under the nostrils. */
  nose: Object.freeze([
    168, 417, 465, 412, 399, 456, 420, 429, 279, 358, 327, 326, 2, 97, 98, 129, 49, 209, 198, 236,
    174, 188, 245, 193,
  ]),
  /** Outer lip contour, from the left mouth corner over the upper lip. */
  lipsOuter: Object.freeze([
    61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
  ]),
  /** Inner lip contour (the mouth opening), from the left inner corner over the upper lip. */
  lipsInner: Object.freeze([
    78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
  ]),
});

/** Single landmarks of the FaceMesh topology used by the rules. */
export const MESH_POINTS = Object.freeze({
  foreheadTop: 10,
  chin: 152,
  noseTip: 4,
  subnasale: 2,
  betweenEyes: 168,
  leftEyeOuter: 33,
  rightEyeOuter: 263,
  leftMouthCorner: 61,
  rightMouthCorner: 291,
  leftCheekSide: 234,
  rightCheekSide: 454,
  leftJawAngle: 172,
  rightJawAngle: 397,
});

/**
 * The eyelid landmarks whose mean is an eye centre for alignment: the FaceMesh counterparts
 * of the dlib 68-point landmarks 37, 38, 40, 41 (left) and 43, 44, 46, 47 (right), the upper
 * and lower lid points without the corners (spec §8).
 */
export const EYE_CENTER_POINTS = Object.freeze({
  left: Object.freeze([160, 158, 153, 144]),
  right: Object.freeze([385, 387, 373, 380]),
});

/** A landmark result of one FaceMesh run. */
export interface MeshResult {
  /** 468 points, image pixel-index coordinates. */
  readonly points: Point[];
  /** Face-presence score of the mesh model, 0–1. */
  readonly score: number;
}

/** Runs FaceMesh on a rotated square crop of the image and maps the points back. */
export async function runMesh(model: GraphModel, image: RgbImage, roi: Roi): Promise<MeshResult> {
  const crop = cropRoi(image, roi, MESH_INPUT_SIZE);
  const outs = tf.tidy(() => {
    const input = tf.tensor4d(crop, [1, MESH_INPUT_SIZE, MESH_INPUT_SIZE, 3]);
    const res = model.execute(input) as tf.Tensor[];
    const mesh = res.find((t) => t.shape[t.shape.length - 1] === MESH_POINT_COUNT * 3);
    const flag = res.find((t) => t.shape[t.shape.length - 1] === 1);
    if (!mesh || !flag) throw new Error('face mesh: unexpected outputs');
    return [tf.reshape(mesh, [-1]), tf.reshape(flag, [-1])];
  });
  let mesh: Float32Array;
  let flag: Float32Array;
  try {
    [mesh, flag] = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(outs);
  }
  const points: Point[] = [];
  for (let k = 0; k < MESH_POINT_COUNT; k++) {
    const u = (mesh[3 * k] + 0.5) / MESH_INPUT_SIZE;
    const v = (mesh[3 * k + 1] + 0.5) / MESH_INPUT_SIZE;
    points.push(roiToImage(roi, u, v));
  }
  const f = flag[0];
  // the converted model gives a probability; a logit would fall outside [0, 1]
  const score = f >= 0 && f <= 1 ? f : 1 / (1 + Math.exp(-f));
  return { points, score };
}

/**
 * The crop FaceMesh expects around a set of landmarks (MediaPipe's landmarks-to-ROI rule):
 * rotated so the outer eye corners are level, the landmarks' box in that frame, squared and
 * enlarged 1.5×.
 */
export function roiFromMesh(points: readonly Point[]): Roi {
  const a = points[MESH_POINTS.leftEyeOuter];
  const b = points[MESH_POINTS.rightEyeOuter];
  const angle = Math.atan2(b[1] - a[1], b[0] - a[0]);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const [x, y] of points) {
    const u = x * c + y * s;
    const v = -x * s + y * c;
    minU = Math.min(minU, u);
    maxU = Math.max(maxU, u);
    minV = Math.min(minV, v);
    maxV = Math.max(maxV, v);
  }
  const mu = (minU + maxU) / 2;
  const mv = (minV + maxV) / 2;
  return {
    cx: mu * c - mv * s,
    cy: mu * s + mv * c,
    size: 1.5 * Math.max(maxU - minU, maxV - minV),
    angle,
  };
}
