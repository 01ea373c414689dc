import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { accumulateGradients, batchNormLayers, forwardForStatistics } from './accumulate.js';
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

/**
 * The step functions a training loop calls. The defaults are {@link trainStep},
 * {@link evalStep} and {@link recalibrateBatchNorm} on the calling thread; a data-parallel
 * trainer (`createDataParallel` in `@patchfx/models/node`) provides the same three, computed
 * by several threads, with the same results.
 */
export interface StepFunctions {
  trainStep(
    model: LayersModel,
    optimizer: Adam,
    images: tf.Tensor4D,
    labels: tf.Tensor1D,
    options?: TrainStepOptions,
  ): Promise<StepResult>;
  evalStep(model: LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D): Promise<StepResult>;
  recalibrateBatchNorm(model: LayersModel, batches: readonly tf.Tensor4D[]): Promise<void>;
}

/**
 * `steps` with the calling thread's functions wherever it gives none. Methods are bound to
 * `steps`, so class instances work as well as plain objects.
 */
export function resolveStepFunctions(steps: Partial<StepFunctions> = {}): StepFunctions {
  return {
    trainStep: steps.trainStep?.bind(steps) ?? trainStep,
    evalStep: steps.evalStep?.bind(steps) ?? evalStep,
    recalibrateBatchNorm: steps.recalibrateBatchNorm?.bind(steps) ?? recalibrateBatchNorm,
  };
}

/** The model's trainable variables keyed by their stable (checkpoint) names. */
export function trainableVariables(model: LayersModel): Map<string, tf.Variable> {
  return new Map(model.trainableWeights.map((w) => [w.originalName, w.read() as tf.Variable]));
}

/** Indices with the classes interleaved (one of each class in turn), so any run is balanced. */
function interleaveClasses(labels: ArrayLike<number>): number[] {
  const byClass = new Map<number, number[]>();
  Array.from(labels).forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const queues = [...byClass.values()];
  const order: number[] = [];
  for (let k = 0; order.length < labels.length; k++) {
    for (const q of queues) if (k < q.length) order.push(q[k]);
  }
  return order;
}

/**
 * Splits indices into micro-batches of at most `size` that keep both classes in each
 * (classes interleaved before chunking).
 */
export function microBatches(labels: ArrayLike<number>, size: number): number[][] {
  const order = interleaveClasses(labels);
  const chunks: number[][] = [];
  for (let i = 0; i < order.length; i += size) chunks.push(order.slice(i, i + size));
  return chunks;
}

/**
 * Splits indices into exactly `parts` class-balanced micro-batches whose sizes differ by at
 * most one (the larger first).
 *
 * @throws When `parts` is not an integer in 1…labels.length.
 */
export function balancedParts(labels: ArrayLike<number>, parts: number): number[][] {
  const n = labels.length;
  if (!Number.isInteger(parts) || parts < 1 || parts > n) {
    throw new Error(`cannot split ${n} images into ${parts} micro-batches`);
  }
  const order = interleaveClasses(labels);
  const base = Math.floor(n / parts);
  const extra = n % parts;
  const chunks: number[][] = [];
  for (let k = 0, start = 0; k < parts; k++) {
    const size = base + (k < extra ? 1 : 0);
    chunks.push(order.slice(start, start + size));
    start += size;
  }
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
  const chunks = size >= n ? [null] : microBatches(await labels.data(), size);
  const bns = chunks.length > 1 ? batchNormLayers(model) : [];
  bns.forEach((b) => b.beginAccumulation());
  let grads: Map<string, tf.Tensor> | undefined;
  try {
    const sums = await accumulateGradients(model, vars, images, labels, chunks, n);
    grads = sums.grads;
    optimizer.applyGradients(vars, grads);
    bns.forEach((b) => b.commitAccumulation());
    return { loss: sums.loss, raw: sums.raw, voted: sums.voted, avg: sums.avg, n };
  } finally {
    bns.forEach((b) => b.discardAccumulation());
    for (const t of grads?.values() ?? []) t.dispose();
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
    await forwardForStatistics(model, batches);
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
    return await computeLossAndAccuracies(logits, labels);
  } finally {
    logits.dispose();
  }
}

/**
 * Loss and accuracies of given logits (what {@link evalStep} reports for the logits of a
 * batch).
 *
 * @param logits - `[N, H, W, C]` or `[N, C]`. Not disposed.
 * @param labels - `[N]` class ids. Not disposed.
 */
export async function computeLossAndAccuracies(
  logits: tf.Tensor,
  labels: tf.Tensor1D,
): Promise<StepResult> {
  const lossT = patchCrossEntropy(logits, labels);
  const loss = (await lossT.data())[0];
  lossT.dispose();
  return { loss, ...(await patchAccuracies(logits, labels)), n: logits.shape[0] };
}
