import * as tf from '@tensorflow/tfjs-core';

/** The inference-mode statistics and affine weights of one BatchNorm. */
export interface BatchNormWeights {
  readonly gamma: tf.Tensor1D;
  readonly beta: tf.Tensor1D;
  readonly movingMean: tf.Tensor1D;
  /** The running variance used as is at inference (PyTorch keeps the unbiased one). */
  readonly movingVariance: tf.Tensor1D;
  readonly epsilon: number;
}

/** A convolution kernel (HWIO) and its per-output-channel bias. */
export interface FoldedKernel {
  readonly kernel: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/**
 * Folds an inference-mode BatchNorm into the convolution before it. BN computes
 * `y = γ·(x − μ)/√(σ² + ε) + β` per channel; with `x = W∗in + b` that is `W'∗in + b'` with
 * `s = γ/√(σ² + ε)`, `W' = W·s` (along the output axis) and `b' = (b − μ)·s + β`.
 *
 * Input shape: `kernel` `[kh, kw, in, out]`; `bias` and every BN weight `[out]`.
 *
 * @param kernel - The convolution's kernel.
 * @param bias - Its bias, or `null` for a convolution without one.
 * @param bn - The BatchNorm that follows it.
 * @returns A new kernel and bias. The caller owns both.
 */
export function foldIntoKernel(
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  bn: BatchNormWeights,
): FoldedKernel {
  return tf.tidy(() => {
    const scale = tf.mul(bn.gamma, tf.rsqrt(tf.add(bn.movingVariance, bn.epsilon)));
    const centred = bias ? tf.sub(bias, bn.movingMean) : tf.neg(bn.movingMean);
    return {
      kernel: tf.mul(kernel, scale) as tf.Tensor4D,
      bias: tf.add(tf.mul(centred, scale), bn.beta) as tf.Tensor1D,
    };
  });
}

/**
 * The single 1×1 kernel of a 1×1 depthwise convolution followed by a 1×1 pointwise one:
 * `W[0, 0, i, o] = depthwise[0, 0, i, 0] · pointwise[0, 0, i, o]`.
 *
 * Input shape: `depthwise` `[1, 1, in, 1]`, `pointwise` `[1, 1, in, out]`.
 * Output shape: `[1, 1, in, out]`.
 *
 * @returns A new kernel. The caller owns it.
 */
export function mergePointwise(depthwise: tf.Tensor4D, pointwise: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(pointwise, tf.reshape(depthwise, [1, 1, -1, 1])) as tf.Tensor4D);
}
