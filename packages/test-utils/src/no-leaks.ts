import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and fails if it changes the number of live tensors.
 *
 * @param fn - The code under test; may be async.
 * @returns What `fn` returned.
 * @throws If `tf.memory().numTensors` differs before and after.
 */
export async function withNoLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`tensor leak: ${after - before} tensor(s) (${before} before, ${after} after)`);
  }
  return result;
}
