import type * as tf from '@tensorflow/tfjs-core';

/** Returns the single tensor of a layer call's inputs. */
export function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1)
      throw new Error(`expected exactly one input tensor, got ${inputs.length}`);
    return inputs[0];
  }
  return inputs;
}

/** The single shape of a layer's input shape argument. */
export function singleShape(
  inputShape: (number | null)[] | (number | null)[][],
): (number | null)[] {
  return Array.isArray(inputShape[0])
    ? (inputShape[0] as (number | null)[])
    : (inputShape as (number | null)[]);
}
