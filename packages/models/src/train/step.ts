import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BatchNorm } from '../layers/batch-norm.js';
import type { Adam } from './adam.js';
import { patchAccuracies, patchCrossEntropy, type PatchAccuracies } from './loss.js';

/** What one training or evaluation step reports (plain numbers). */
export interface StepResult extends PatchAccuracies {
  /** Mean per-patch cross-entropy. */
  readonly loss: number;
  /** Images in the batch. */
  readonly n: number;
}

/** Per-call options of {@link trainStep}. */
export interface TrainStepOptions {
  /**
   * Images per forward/backward pass. When smaller than the batch, gradients are accumulated
   * over class-balanced micro-batches and applied once (memory scales with the micro-batch).
   * BatchNorm normalises each micro-batch with its own statistics and updates its moving
   * averages once per step with the whole batch's statistics.
   * @defaultValue the whole batch
   */
  readonly microBatchSize?: number;
}

/** The model's trainable variables keyed by their stable (checkpoint) names. */
export function trainableVariables(model: LayersModel): Map<string, tf.Variable> {
  return new Map(model.trainableWeights.map((w) => [w.originalName, w.read() as tf.Variable]));
}

function batchNormLayers(model: LayersModel): BatchNorm[] {
  return model.layers.filter((l): l is BatchNorm => l instanceof BatchNorm);
}

/**
 * Splits indices into micro-batches of at most `size` that keep both classes in each
 * (classes interleaved before chunking).
 */
export function microBatches(labels: ArrayLike<number>, size: number): number[][] {
  const byClass = new Map<number, number[]>();
  Array.from(labels).forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const queues = [...byClass.values()];
  const order: number[] = [];
  for (let k = 0; order.length < labels.length; k++) {
    for (const q of queues) if (k < q.length) order.push(q[k]);
  }
  const chunks: number[][] = [];
  for (let i = 0; i < order.length; i += size) chunks.push(order.slice(i, i + size));
  return chunks;
}

/**
 * One optimisation step: forward in training mode (BatchNorm uses and updates batch
 * statistics), per-patch cross-entropy, backward, Adam update.
 *
 * @param images - `[N, h, w, 3]` in [-1, 1]. Not disposed.
 * @param labels - `[N]` class ids (fake = `fakeClassId`). Not disposed.
 * @returns Loss and accuracies of the batch as plain numbers (computed on the forward pass
 *   before the update, as the reference logs them).
 */
export async function trainStep(
  model: LayersModel,
  optimizer: Adam,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  options: TrainStepOptions = {},
): Promise<StepResult> {
  const n = images.shape[0];
  const size = Math.max(1, Math.min(n, Math.floor(options.microBatchSize ?? n)));
  const vars = trainableVariables(model);
  const byEngineName = new Map([...vars].map(([k, v]) => [v.name, k]));
  const chunks = size >= n ? [null] : microBatches(await labels.data(), size);
  const bns = chunks.length > 1 ? batchNormLayers(model) : [];
  bns.forEach((b) => b.beginAccumulation());
  const sums = new Map<string, tf.Tensor>();
  let loss = 0;
  const acc = { raw: 0, voted: 0, avg: 0 };
  try {
    for (const idx of chunks) {
      const [x, y] = idx
        ? tf.tidy(() => {
            const t = tf.tensor1d(idx, 'int32');
            return [tf.gather(images, t) as tf.Tensor4D, tf.gather(labels, t) as tf.Tensor1D];
          })
        : [images, labels];
      const weight = x.shape[0] / n;
      let logits: tf.Tensor | null = null;
      try {
        const { value, grads } = tf.variableGrads(() => {
          const out = model.apply(x, { training: true }) as tf.Tensor;
          logits = tf.keep(out);
          return patchCrossEntropy(out, y);
        }, [...vars.values()]);
        for (const [engineName, g] of Object.entries(grads)) {
          const name = byEngineName.get(engineName) ?? engineName;
          const prev = sums.get(name);
          const next = tf.tidy(() =>
            prev ? tf.add(prev, tf.mul(g, weight)) : weight === 1 ? tf.clone(g) : tf.mul(g, weight),
          );
          prev?.dispose();
          sums.set(name, next);
          g.dispose();
        }
        loss += (await value.data())[0] * weight;
        value.dispose();
        const a = await patchAccuracies(logits!, y);
        acc.raw += a.raw * weight;
        acc.voted += a.voted * weight;
        acc.avg += a.avg * weight;
      } finally {
        (logits as tf.Tensor | null)?.dispose();
        if (idx) tf.dispose([x, y]);
      }
    }
    optimizer.applyGradients(vars, sums);
    bns.forEach((b) => b.commitAccumulation());
    return { loss, ...acc, n };
  } finally {
    bns.forEach((b) => b.discardAccumulation());
    for (const t of sums.values()) t.dispose();
  }
}

/**
 * "Precise BN": recomputes every BatchNorm layer's moving mean and variance as the exact
 * statistics of the given batches (forward passes in training mode, no gradients), replacing the
 * exponential moving averages. With few training steps the moving averages still carry their
 * initial values (mean 0, variance 1) and make inference-mode outputs meaningless; this fixes
 * that. The batches are not disposed.
 */
export async function recalibrateBatchNorm(
  model: LayersModel,
  batches: readonly tf.Tensor4D[],
): Promise<void> {
  const bns = batchNormLayers(model);
  if (!bns.length || !batches.length) return;
  bns.forEach((b) => b.beginAccumulation());
  try {
    for (const x of batches) {
      const out = tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
      await out.data();
      out.dispose();
    }
    bns.forEach((b) => b.commitAccumulation(true));
  } finally {
    bns.forEach((b) => b.discardAccumulation());
  }
}

/**
 * Loss and accuracies of a batch in inference mode (BatchNorm uses its moving statistics),
 * as the reference's validation does.
 */
export async function evalStep(
  model: LayersModel,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
): Promise<StepResult> {
  const logits = tf.tidy(() => model.apply(images, { training: false }) as tf.Tensor);
  try {
    const lossT = patchCrossEntropy(logits, labels);
    const loss = (await lossT.data())[0];
    lossT.dispose();
    return { loss, ...(await patchAccuracies(logits, labels)), n: images.shape[0] };
  } finally {
    logits.dispose();
  }
}
