import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Adam } from './adam.js';
import { patchAccuracies, patchCrossEntropy, type PatchAccuracies } from './loss.js';

/** What one training or evaluation step reports (plain numbers). */
export interface StepResult extends PatchAccuracies {
  /** Mean per-patch cross-entropy. */
  readonly loss: number;
  /** Images in the batch. */
  readonly n: number;
}

/** The model's trainable variables keyed by their stable (checkpoint) names. */
export function trainableVariables(model: LayersModel): Map<string, tf.Variable> {
  return new Map(model.trainableWeights.map((w) => [w.originalName, w.read() as tf.Variable]));
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
): Promise<StepResult> {
  const vars = trainableVariables(model);
  const byEngineName = new Map([...vars].map(([k, v]) => [v.name, k]));
  let logits: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(images, { training: true }) as tf.Tensor;
    logits = tf.keep(out);
    return patchCrossEntropy(out, labels);
  }, [...vars.values()]);
  try {
    const named = new Map<string, tf.Tensor>();
    for (const [engineName, g] of Object.entries(grads))
      named.set(byEngineName.get(engineName) ?? engineName, g);
    optimizer.applyGradients(vars, named);
    const acc = await patchAccuracies(logits!, labels);
    const loss = (await value.data())[0];
    return { loss, ...acc, n: images.shape[0] };
  } finally {
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    (logits as tf.Tensor | null)?.dispose();
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
