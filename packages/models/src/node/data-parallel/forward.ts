/**
 * The inference forward pass every thread of the data-parallel trainer runs: the model with its
 * BatchNorms folded into the convolutions (`foldBatchNorm`, what the detector and the evaluation
 * program run), or the model as it is.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { foldBatchNorm } from '../../fold/fold-batch-norm.js';

/**
 * Inference-mode logits of `x`, `batchSize` images per forward pass.
 *
 * @param fold - Fold BatchNorm first: a snapshot of the current weights, freed before return
 *   (measured on wasm: folding per call costs no measurable time against a forward pass).
 * @returns The logits (the caller owns them).
 * @throws When the model has more than one output.
 */
export function inferenceForward(
  model: LayersModel,
  x: tf.Tensor4D,
  batchSize: number,
  fold: boolean,
): tf.Tensor {
  if (!fold) {
    return tf.tidy(() => {
      const y = model.predict(x, { batchSize });
      if (Array.isArray(y))
        throw new Error(`model '${model.name}' has ${y.length} outputs, not one`);
      return y;
    });
  }
  const folded = foldBatchNorm(model);
  try {
    const n = x.shape[0];
    if (n <= batchSize) return folded.predict(x);
    return tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (let s = 0; s < n; s += batchSize) {
        const size = Math.min(batchSize, n - s);
        parts.push(folded.predict(tf.slice(x, [s, 0, 0, 0], [size, ...x.shape.slice(1)])));
      }
      return tf.concat(parts, 0);
    });
  } finally {
    folded.dispose();
  }
}
