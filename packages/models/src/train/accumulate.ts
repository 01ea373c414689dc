import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BatchNorm } from '../layers/batch-norm.js';
import { patchAccuracies, patchCrossEntropy } from './loss.js';

/**
 * Weighted sums over the micro-batches of (part of) a batch: each micro-batch `k` of size
 * `n_k` contributes with weight `n_k / total`, so the sums over all micro-batches of a batch
 * are the batch means. Replicas of a data-parallel step each compute these over their share
 * and the shares simply add up.
 */
export interface GradientSums {
  /** Σ w_k ∇loss_k per trainable weight, keyed by its stable (checkpoint) name. Caller owns. */
  readonly grads: Map<string, tf.Tensor>;
  /** Σ w_k loss_k (mean per-patch cross-entropy of micro-batch k). */
  readonly loss: number;
  /** Σ w_k raw_k. */
  readonly raw: number;
  /** Σ w_k voted_k. */
  readonly voted: number;
  /** Σ w_k avg_k. */
  readonly avg: number;
}

/** The model's BatchNorm layers, in layer order. */
export function batchNormLayers(model: LayersModel): BatchNorm[] {
  return model.layers.filter((l): l is BatchNorm => l instanceof BatchNorm);
}

/**
 * Forward (training mode) and backward passes over micro-batches, accumulating the gradients,
 * losses and accuracies weighted by micro-batch size. Nothing is applied: BatchNorm moving
 * statistics follow the layers' own mode (accumulating between `beginAccumulation` and
 * `commitAccumulation`, else updated at every pass).
 *
 * @param vars - The trainable variables by stable name (see `trainableVariables`).
 * @param images - `[N, h, w, 3]`. Not disposed.
 * @param labels - `[N]`. Not disposed.
 * @param chunks - Row indices of each micro-batch; `null` is the whole of `images`.
 * @param total - Images of the whole batch (the weights' denominator), ≥ the rows used here.
 * @returns The sums. The caller owns the gradient tensors (also on a throw they are freed).
 */
export async function accumulateGradients(
  model: LayersModel,
  vars: ReadonlyMap<string, tf.Variable>,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  chunks: ReadonlyArray<readonly number[] | null>,
  total: number,
): Promise<GradientSums> {
  const byEngineName = new Map([...vars].map(([k, v]) => [v.name, k]));
  const grads = new Map<string, tf.Tensor>();
  const sums = { loss: 0, raw: 0, voted: 0, avg: 0 };
  try {
    for (const idx of chunks) {
      const [x, y] = idx
        ? tf.tidy(() => {
            const t = tf.tensor1d(idx as number[], 'int32');
            return [tf.gather(images, t) as tf.Tensor4D, tf.gather(labels, t) as tf.Tensor1D];
          })
        : [images, labels];
      const weight = x.shape[0] / total;
      let logits: tf.Tensor | null = null;
      try {
        // The loss is weighted inside the graph: with synchronised BatchNorm, the backward pass
        // combines threads' Σdy, which must be gradients of the one batch loss.
        const { value, grads: g } = tf.variableGrads(() => {
          const out = model.apply(x, { training: true }) as tf.Tensor;
          logits = tf.keep(out);
          const loss = patchCrossEntropy(out, y);
          return weight === 1 ? loss : tf.mul(loss, weight);
        }, [...vars.values()]);
        for (const [engineName, gi] of Object.entries(g)) {
          const name = byEngineName.get(engineName) ?? engineName;
          const prev = grads.get(name);
          if (prev) {
            grads.set(name, tf.add(prev, gi));
            prev.dispose();
            gi.dispose();
          } else {
            grads.set(name, gi);
          }
        }
        sums.loss += (await value.data())[0];
        value.dispose();
        const a = await patchAccuracies(logits!, y);
        sums.raw += a.raw * weight;
        sums.voted += a.voted * weight;
        sums.avg += a.avg * weight;
      } finally {
        (logits as tf.Tensor | null)?.dispose();
        if (idx) tf.dispose([x, y]);
      }
    }
    return { grads, ...sums };
  } catch (e) {
    for (const t of grads.values()) t.dispose();
    throw e;
  }
}

/**
 * Training-mode forward passes without gradients, for their effect on BatchNorm statistics
 * (what "precise BN" accumulates). The batches are not disposed.
 */
export async function forwardForStatistics(
  model: LayersModel,
  batches: readonly tf.Tensor4D[],
): Promise<void> {
  for (const x of batches) {
    const out = tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
    await out.data();
    out.dispose();
  }
}
