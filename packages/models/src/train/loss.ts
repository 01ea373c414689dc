import * as tf from '@tensorflow/tfjs-core';

/** Broadcasts image labels `[N]` to every patch of a logit map `[N, H, W, C]` (or `[N, C]`). */
function labelMap(logits: tf.Tensor, labels: tf.Tensor1D): tf.Tensor {
  if (logits.rank === 2) return labels;
  const [n, h, w] = logits.shape;
  return tf.broadcastTo(tf.reshape(labels, [n, 1, 1]), [n, h, w]);
}

/**
 * Cross-entropy with the image label on every patch, averaged over all N·H·W patches
 * (spec §2.1). For full-image logits `[N, C]` it is the usual mean cross-entropy.
 *
 * Input shape: logits `[N, H, W, C]` or `[N, C]`; labels `[N]` (int class ids).
 * @returns A scalar. The caller owns it.
 */
export function patchCrossEntropy(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[logits.rank - 1];
    const oneHot = tf.oneHot(tf.cast(labelMap(logits, labels), 'int32'), numClasses);
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), -1))) as tf.Scalar;
  });
}

/** The reference's three training accuracies (spec §2.1). */
export interface PatchAccuracies {
  /** Fraction of patches whose argmax is the image label (`acc_D_raw`; model selection). */
  readonly raw: number;
  /**
   * Fraction of images whose majority patch vote is the label (`acc_D_voted`). A tie
   * (exactly half the patches each way) goes to class 0, as argmax ties do.
   */
  readonly voted: number;
  /** Fraction of images whose mean patch softmax has its argmax at the label (`acc_D_avg`). */
  readonly avg: number;
}

/**
 * Computes {@link PatchAccuracies} for a batch. For full-image logits all three equal the
 * image accuracy.
 */
export async function patchAccuracies(
  logits: tf.Tensor,
  labels: tf.Tensor1D,
): Promise<PatchAccuracies> {
  const t = tf.tidy(() => {
    const lab = tf.cast(labels, 'int32');
    if (logits.rank === 2) {
      const acc = tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), lab), 'float32'));
      return tf.stack([acc, acc, acc]);
    }
    const [n, h, w, c] = logits.shape;
    const pred = tf.argMax(logits, -1); // [N, H, W]
    const raw = tf.mean(tf.cast(tf.equal(pred, labelMap(logits, labels)), 'float32'));
    const predFlat = tf.reshape(pred, [n, h * w]);
    const votes = tf.sum(tf.oneHot(predFlat, c), 1); // [N, C] counts
    const voted = tf.mean(tf.cast(tf.equal(tf.argMax(votes, -1), lab), 'float32'));
    const meanProb = tf.mean(tf.reshape(tf.softmax(logits), [n, h * w, c]), 1);
    const avg = tf.mean(tf.cast(tf.equal(tf.argMax(meanProb, -1), lab), 'float32'));
    return tf.stack([raw, voted, avg]);
  });
  const [raw, voted, avg] = await t.data();
  t.dispose();
  return { raw, voted, avg };
}
