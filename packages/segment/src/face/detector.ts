/**
 * BlazeFace (MediaPipe's short-range face detector, 256×256 "back camera" variant): face boxes
 * and six keypoints per face. Pre- and post-processing written for patchfx from the model's
 * published design (SSD anchors on a 16×16 and an 8×8 grid, 2 and 6 anchors per cell).
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '@patchfx/data';
import type { Point } from './geometry.js';

/** Detector input side. */
export const DETECTOR_INPUT_SIZE = 256;

/** One detected face, in the image's pixel-index coordinates. */
export interface FaceDetection {
  /** Box centre and size. */
  readonly cx: number;
  readonly cy: number;
  readonly width: number;
  readonly height: number;
  /**
   * Keypoints: eye on the image's left, eye on the right, nose tip, mouth centre, ear tragion
   * on the left, on the right.
   */
  readonly keypoints: readonly Point[];
  /** Face probability, 0–1. */
  readonly score: number;
}

let anchorCache: Float32Array | null = null;

/** Anchor centres in input pixels, 512 (16×16 grid, 2 each) then 384 (8×8 grid, 6 each). */
function anchors(): Float32Array {
  if (anchorCache) return anchorCache;
  const out: number[] = [];
  for (const [stride, perCell] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const cells = DETECTOR_INPUT_SIZE / stride;
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++) {
        for (let n = 0; n < perCell; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
      }
    }
  }
  anchorCache = Float32Array.from(out);
  return anchorCache;
}

function iou(a: FaceDetection, b: FaceDetection): number {
  const ix = Math.max(
    0,
    Math.min(a.cx + a.width / 2, b.cx + b.width / 2) -
      Math.max(a.cx - a.width / 2, b.cx - b.width / 2),
  );
  const iy = Math.max(
    0,
    Math.min(a.cy + a.height / 2, b.cy + b.height / 2) -
      Math.max(a.cy - a.height / 2, b.cy - b.height / 2),
  );
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * Runs BlazeFace on an image: letterboxed to a centred square (black bars), resized to 256×256
 * (bilinear), scaled to [-1, 1]. Boxes above `minScore` are kept after non-maximum suppression
 * (IoU 0.3), best first.
 */
export async function detectFaces(
  model: GraphModel,
  image: RgbImage,
  minScore: number,
  maxFaces: number,
): Promise<FaceDetection[]> {
  const { width: w, height: h } = image;
  const side = Math.max(w, h);
  const padX = Math.floor((side - w) / 2);
  const padY = Math.floor((side - h) / 2);
  const raw = tf.tidy(() => {
    const img = tf.tensor3d(Float32Array.from(image.data), [h, w, 3]);
    const square = tf.pad(img, [
      [padY, side - h - padY],
      [padX, side - w - padX],
      [0, 0],
    ]);
    const resized = tf.image.resizeBilinear(
      square,
      [DETECTOR_INPUT_SIZE, DETECTOR_INPUT_SIZE],
      false,
      true,
    );
    const input = tf.expandDims(tf.sub(tf.div(resized, 127.5), 1), 0);
    const outs = model.execute(input) as tf.Tensor[];
    const pick = (n: number, c: number) => {
      const t = outs.find((o) => o.shape[1] === n && o.shape[2] === c);
      if (!t) throw new Error(`face detector: no output of shape [1, ${n}, ${c}]`);
      return t;
    };
    const rows = tf.concat(
      [tf.concat([pick(512, 1), pick(512, 16)], 2), tf.concat([pick(384, 1), pick(384, 16)], 2)],
      1,
    );
    return tf.reshape(rows, [896, 17]);
  });
  let values: Float32Array;
  try {
    values = (await raw.data()) as Float32Array;
  } finally {
    raw.dispose();
  }
  const a = anchors();
  const scale = side / DETECTOR_INPUT_SIZE;
  // input pixel u (continuous, edges at integers) → image pixel index
  const toX = (u: number) => u * scale - padX - 0.5;
  const toY = (v: number) => v * scale - padY - 0.5;
  const candidates: FaceDetection[] = [];
  for (let k = 0; k < 896; k++) {
    const r = k * 17;
    const score = 1 / (1 + Math.exp(-values[r]));
    if (!(score >= minScore)) continue;
    const ax = a[2 * k];
    const ay = a[2 * k + 1];
    const keypoints: Point[] = [];
    for (let m = 0; m < 6; m++) {
      keypoints.push([toX(values[r + 5 + 2 * m] + ax), toY(values[r + 6 + 2 * m] + ay)]);
    }
    candidates.push({
      cx: toX(values[r + 1] + ax),
      cy: toY(values[r + 2] + ay),
      width: values[r + 3] * scale,
      height: values[r + 4] * scale,
      keypoints,
      score,
    });
  }
  candidates.sort((p, q) => q.score - p.score);
  const kept: FaceDetection[] = [];
  for (const c of candidates) {
    if (c.width <= 0 || c.height <= 0) continue;
    if (kept.every((k) => iou(k, c) < 0.3)) kept.push(c);
    if (kept.length >= maxFaces) break;
  }
  return kept;
}
