import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULT_MODEL_CONFIG, type InitType } from './variants.js';

/** Options of {@link initializeWeights}. */
export interface InitOptions {
  /** @defaultValue 'xavier' */
  readonly initType?: InitType;
  /** @defaultValue 0.02 */
  readonly gain?: number;
  /** @defaultValue 0 */
  readonly seed?: number;
}

/** PyTorch's (fan_in, fan_out) for a weight stored in tfjs layout. */
export function torchFans(weightName: string, shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]]; // dense [in, out]
  const [kh, kw, a, b] = shape;
  const rf = kh * kw;
  if (/depthwise_kernel/.test(weightName)) return [b * rf, a * b * rf]; // torch (C·m, 1, k, k)
  return [a * rf, b * rf]; // conv [k, k, in, out] ↔ torch (out, in, k, k)
}

/** Mixes the model seed and a weight index into a per-weight seed (stable across runs). */
function weightSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** torch.nn.init.orthogonal_ for a weight in tfjs layout. */
function orthogonal(shape: readonly number[], gain: number, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const torchShape =
      shape.length === 2 ? [shape[1], shape[0]] : [shape[3], shape[2], shape[0], shape[1]];
    const rows = torchShape[0];
    const cols = torchShape.slice(1).reduce((p, c) => p * c, 1);
    let flat = tf.randomNormal([rows, cols], 0, 1, 'float32', seed) as tf.Tensor2D;
    if (rows < cols) flat = tf.transpose(flat);
    const [q, r] = tf.linalg.qr(flat);
    const d = tf.sign(tf.sum(tf.mul(r, tf.eye(r.shape[0], r.shape[1])), 0));
    let qq = tf.mul(q, d) as tf.Tensor2D;
    if (rows < cols) qq = tf.transpose(qq);
    const w = tf.mul(tf.reshape(qq, torchShape), gain);
    return shape.length === 2 ? tf.transpose(w) : tf.transpose(w, [2, 3, 1, 0]);
  });
}

/**
 * Initialises every weight as the reference's `init_weights` does (spec §1.8): conv and
 * dense kernels by `initType` with PyTorch's fan rules (depthwise kernels have fan_in = k²),
 * biases 0, BatchNorm γ ~ N(1, gain) and β = 0, moving mean 0 and variance 1. Seeded.
 *
 * @param model - A model from `buildPatchDiscriminator` (modified in place).
 */
export function initializeWeights(model: LayersModel, options: InitOptions = {}): void {
  const initType = options.initType ?? DEFAULT_MODEL_CONFIG.initType;
  const gain = options.gain ?? DEFAULT_MODEL_CONFIG.initGain;
  const seed = options.seed ?? DEFAULT_MODEL_CONFIG.seed;
  model.weights.forEach((w, index) => {
    const name = w.originalName;
    const shape = w.shape as number[];
    const s = weightSeed(seed, index);
    const value = tf.tidy(() => {
      if (/\/(bias|beta|moving_mean)$/.test(name)) return tf.zeros(shape);
      if (/\/moving_variance$/.test(name)) return tf.ones(shape);
      if (/\/gamma$/.test(name)) return tf.randomNormal(shape, 1, gain, 'float32', s);
      const [fanIn, fanOut] = torchFans(name, shape);
      switch (initType) {
        case 'xavier':
          return tf.randomNormal(shape, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), 'float32', s);
        case 'normal':
          return tf.randomNormal(shape, 0, gain, 'float32', s);
        case 'kaiming':
          return tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', s);
        case 'orthogonal':
          return orthogonal(shape, gain, s);
      }
    });
    w.write(value);
    value.dispose();
  });
}
