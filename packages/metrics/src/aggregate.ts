/**
 * Patch aggregation, as the reference's `get_predictions` (spec §4.2): turns a map of per-patch
 * logits into one `[P(class 0), P(class 1)]` row per image, and into per-patch samples for
 * `metrics_patch`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toTensor } from './internal/tensor.js';
import type { FlatScoreMatrix } from './score-matrix.js';

/**
 * The reference's aggregation modes (`--average_mode`), each giving one row per image:
 * - `vote`: v = fraction of patches whose argmax is class 1 (ties → class 0); row `[1 − v, v]`.
 * - `before_softmax`: softmax of the logits averaged over the patches.
 * - `after_softmax`: the per-patch softmax averaged over the patches (the paper's tables).
 *
 * {@link aggregatePredictions} also takes `'raw'`: the per-patch softmax itself, not an average.
 */
export const AVERAGE_MODES = Object.freeze(['vote', 'before_softmax', 'after_softmax'] as const);
/** One of {@link AVERAGE_MODES} (the reference's `--average_mode`). */
export type AverageMode = (typeof AVERAGE_MODES)[number];

/**
 * Parses an `--average_mode` value: the one check of the name, for options, configs and files.
 *
 * @param value - The value as given.
 * @returns It, typed.
 * @throws `unknown average_mode 'x'; one of vote | before_softmax | after_softmax`.
 *
 * @example
 * ```ts doctest
 * import { parseAverageMode } from '@patchfx/metrics';
 * parseAverageMode('vote'); // => 'vote'
 * ```
 */
export function parseAverageMode(value: unknown): AverageMode {
  if (!(AVERAGE_MODES as readonly unknown[]).includes(value)) {
    const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
    throw new Error(`unknown average_mode ${shown}; one of ${AVERAGE_MODES.join(' | ')}`);
  }
  return value as AverageMode;
}

function checkLogits(x: tf.Tensor, fn: string): void {
  const ok = (x.rank === 4 || x.rank === 2) && x.shape[x.rank - 1] === 2;
  if (!ok) {
    throw new Error(
      `${fn}: logits must have shape [N, H, W, 2] (patch map, NHWC) or [N, 2] (full image), got [${x.shape}]`,
    );
  }
  if (x.rank === 4 && (x.shape[1] === 0 || x.shape[2] === 0)) {
    throw new Error(`${fn}: the patch map is empty (shape [${x.shape}])`);
  }
}

/**
 * Aggregates patch logits into per-image scores, exactly as the reference's `get_predictions`.
 *
 * Channel index = class id: with the default `fakeClassId` 0, column 0 is P(fake) and column 1
 * P(real). For `vote`, a patch counts for class 1 only when its class-1 logit is strictly
 * greater (argmax ties → class 0), and v = count / (H·W); a vote of exactly 0.5 then gives
 * `[0.5, 0.5]`, which argmax-based accuracy counts as class 0. Full-image logits `[N, 2]` have
 * no patches: every mode returns their softmax (the reference's `metrics.npz`).
 *
 * Input shape: `[N, H, W, 2]` logits (NHWC) or `[N, 2]`.
 * Output shape: `[N, 2]`; for `raw` on a patch map, `[N, H, W, 2]`.
 *
 * @param logits - Raw network outputs (not probabilities). Not disposed.
 * @param mode - One of {@link AVERAGE_MODES}, or `'raw'` for the per-patch softmax.
 *   @defaultValue 'after_softmax'
 * @returns A new float32 tensor. The caller owns it and must dispose it.
 * @throws On a wrong shape or an unknown mode.
 *
 * @example
 * ```ts doctest
 * import * as tf from '@tensorflow/tfjs-core';
 * import { aggregatePredictions } from '@patchfx/metrics';
 * // One image, 2×2 patches: two vote class 1 strongly, two vote class 0 weakly.
 * const logits = tf.tensor4d([0, 4, 0, 4, 1, 0, 1, 0], [1, 2, 2, 2]);
 * const vote = aggregatePredictions(logits, 'vote');
 * await vote.array(); // => [[0.5, 0.5]]
 * const before = aggregatePredictions(logits, 'before_softmax');
 * (await before.array())[0][1] > 0.5; // => true
 * tf.dispose([logits, vote, before]);
 * ```
 * @see {@link aggregatePredictionsAsync}, {@link patchSamples}
 */
export function aggregatePredictions(
  logits: tf.Tensor | tf.TensorLike,
  mode?: AverageMode,
): tf.Tensor2D;
export function aggregatePredictions(logits: tf.Tensor | tf.TensorLike, mode: 'raw'): tf.Tensor;
export function aggregatePredictions(
  logits: tf.Tensor | tf.TensorLike,
  mode?: AverageMode | 'raw',
): tf.Tensor;
export function aggregatePredictions(
  logits: tf.Tensor | tf.TensorLike,
  mode: AverageMode | 'raw' = 'after_softmax',
): tf.Tensor {
  const fn = 'aggregatePredictions';
  const m = mode === 'raw' ? mode : parseAverageMode(mode);
  return tf.tidy(fn, () => {
    const x = tf.cast(toTensor(logits, 'logits', fn), 'float32');
    checkLogits(x, fn);
    const [n, h, w] = x.shape;
    // Zero-size tensors crash some backends (wasm transpose); an empty batch is simply empty.
    if (n === 0) return tf.zeros(m === 'raw' ? x.shape : [0, 2]);
    if (x.rank === 2) return tf.softmax(x);
    switch (m) {
      case 'raw':
        return tf.softmax(x);
      case 'after_softmax':
        return tf.mean(tf.softmax(x), [1, 2]);
      case 'before_softmax':
        return tf.softmax(tf.mean(x, [1, 2]));
      case 'vote': {
        const [l0, l1] = tf.split(x, 2, 3);
        const wins = tf.cast(tf.greater(l1, l0), 'float32');
        const v = tf.div(tf.sum(wins, [1, 2, 3]), tf.scalar(h * w));
        return tf.stack([tf.sub(tf.scalar(1), v), v], 1);
      }
    }
  });
}

/**
 * {@link aggregatePredictions}, read back as plain arrays for reports and
 * {@link computeMetrics}. Holds no tensor after it resolves.
 *
 * Input shape: `[N, H, W, 2]` or `[N, 2]`.
 * Output: `N` rows `[P(class 0), P(class 1)]`; for `raw` on a patch map, `N×H×W×2` nested
 * arrays.
 *
 * @param logits - Raw network outputs. Not disposed.
 * @param mode - One of {@link AVERAGE_MODES}, or `'raw'`. @defaultValue 'after_softmax'
 * @returns Nested plain arrays.
 * @throws As {@link aggregatePredictions}.
 *
 * @example
 * ```ts doctest
 * import { aggregatePredictionsAsync } from '@patchfx/metrics';
 * const logits = [[[[0, 1], [1, 0]], [[2, 0], [0, 3]]]]; // 1 image, 2×2 patches
 * await aggregatePredictionsAsync(logits, 'vote'); // => [[0.5, 0.5]]
 * ```
 */
export async function aggregatePredictionsAsync(
  logits: tf.Tensor | tf.TensorLike,
  mode?: AverageMode,
): Promise<number[][]>;
export async function aggregatePredictionsAsync(
  logits: tf.Tensor | tf.TensorLike,
  mode: 'raw',
): Promise<number[][] | number[][][][]>;
export async function aggregatePredictionsAsync(
  logits: tf.Tensor | tf.TensorLike,
  mode?: AverageMode | 'raw',
): Promise<number[][] | number[][][][]>;
export async function aggregatePredictionsAsync(
  logits: tf.Tensor | tf.TensorLike,
  mode: AverageMode | 'raw' = 'after_softmax',
): Promise<number[][] | number[][][][]> {
  const t = aggregatePredictions(logits, mode);
  try {
    return (await t.array()) as number[][] | number[][][][];
  } finally {
    t.dispose();
  }
}

/** Per-patch samples: every patch as one sample (tensor form). */
export interface PatchSampleTensors {
  /** `[N·H·W, 2]` per-patch softmax, rows in N, H, W order. The caller owns it. */
  readonly scores: tf.Tensor2D;
  /** `[N·H·W]` int32: each patch carries its image's label. The caller owns it. */
  readonly labels: tf.Tensor1D;
}

/**
 * Every patch as one sample labelled with its image's label: the input of the reference's
 * `metrics_patch` (n = N·H·W). Full-image logits `[N, 2]` give the N images themselves.
 *
 * Input shape: logits `[N, H, W, 2]` or `[N, 2]`; labels `[N]` class ids.
 * Output shape: scores `[N·H·W, 2]` (softmax), labels `[N·H·W]` int32.
 *
 * @param logits - Raw network outputs. Not disposed.
 * @param labels - Image labels (class ids). Not disposed.
 * @returns Two new tensors. The caller owns both and must dispose them.
 * @throws On a wrong shape or when the label count is not N.
 *
 * @example
 * ```ts doctest
 * import * as tf from '@tensorflow/tfjs-core';
 * import { patchSamples } from '@patchfx/metrics';
 * const logits = tf.zeros([2, 3, 3, 2]); // 2 images, 3×3 patches
 * const s = patchSamples(logits, [1, 0]);
 * s.scores.shape; // => [18, 2]
 * (await s.labels.data()).filter((l) => l === 1).length; // => 9
 * tf.dispose([logits, s.scores, s.labels]);
 * ```
 */
export function patchSamples(
  logits: tf.Tensor | tf.TensorLike,
  labels: tf.Tensor | tf.TensorLike,
): PatchSampleTensors {
  const fn = 'patchSamples';
  return tf.tidy(fn, () => {
    const x = tf.cast(toTensor(logits, 'logits', fn), 'float32');
    checkLogits(x, fn);
    const y = tf.cast(toTensor(labels, 'labels', fn), 'int32');
    const n = x.shape[0];
    if (y.rank !== 1 || y.shape[0] !== n) {
      throw new Error(`${fn}: labels must have shape [${n}] (one per image), got [${y.shape}]`);
    }
    const h = x.rank === 4 ? x.shape[1]! : 1;
    const w = x.rank === 4 ? x.shape[2]! : 1;
    const scores = tf.reshape(tf.softmax(x), [n * h * w, 2]) as tf.Tensor2D;
    const lab = tf.reshape(tf.broadcastTo(tf.reshape(y, [n, 1]), [n, h * w]), [n * h * w]);
    return { scores, labels: lab as tf.Tensor1D };
  });
}

/** Per-patch samples as plain arrays, ready for {@link computeMetrics}. */
export interface PatchSamples {
  /** Class id of every patch (its image's label), length N·H·W. */
  readonly labels: Int32Array;
  /** Per-patch softmax as a flat `[N·H·W, 2]` matrix. */
  readonly scores: FlatScoreMatrix;
}

/**
 * {@link patchSamples} read back as typed arrays (no nested arrays: a test set has millions of
 * patches). Holds no tensor after it resolves.
 *
 * @param logits - Raw network outputs `[N, H, W, 2]` or `[N, 2]`. Not disposed.
 * @param labels - Image labels (class ids), length N.
 * @returns Typed arrays owned by the caller.
 * @throws As {@link patchSamples}.
 *
 * @example
 * ```ts doctest
 * import { patchSamplesAsync } from '@patchfx/metrics';
 * const s = await patchSamplesAsync([[[[0, 0], [0, 0]]]], [1]);
 * s.scores.shape; // => [2, 2]
 * Array.from(s.labels); // => [1, 1]
 * Array.from(s.scores.data); // => [0.5, 0.5, 0.5, 0.5]
 * ```
 */
export async function patchSamplesAsync(
  logits: tf.Tensor | tf.TensorLike,
  labels: tf.Tensor | tf.TensorLike,
): Promise<PatchSamples> {
  const t = patchSamples(logits, labels);
  try {
    const [data, lab] = await Promise.all([t.scores.data(), t.labels.data()]);
    return {
      labels: Int32Array.from(lab),
      scores: { data: data as Float32Array, shape: [t.scores.shape[0], 2] },
    };
  } finally {
    t.scores.dispose();
    t.labels.dispose();
  }
}
