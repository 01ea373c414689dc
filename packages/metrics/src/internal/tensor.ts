import * as tf from '@tensorflow/tfjs-core';

/**
 * Normalises a tensor-or-array argument once, naming it in errors (tfjs `convertToTensor`).
 * A tensor passed in is returned as is (the caller keeps owning it); an array becomes a new
 * float32 tensor that the enclosing `tf.tidy` disposes.
 */
export function toTensor(x: tf.Tensor | tf.TensorLike, name: string, fn: string): tf.Tensor {
  const what = `${fn}: ${name} must be a numeric tf.Tensor or a (nested) numeric array`;
  let t: tf.Tensor;
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw new Error(`${fn}: ${name} is a disposed tensor`);
    t = x;
  } else {
    try {
      t = tf.tensor(x);
    } catch (e) {
      throw new Error(`${what}: ${String(e)}`);
    }
  }
  if (t.dtype === 'string') throw new Error(`${what}, got a string tensor`);
  return t;
}
