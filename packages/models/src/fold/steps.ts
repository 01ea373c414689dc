import * as tf from '@tensorflow/tfjs-core';
import { foldedPointwise } from './conv-fold.js';
import { foldIntoKernel, type BatchNormWeights } from './fold-weights.js';
import type { GraphLayer } from './graph.js';
import type { Conv2dWeights, SeparableConv2dWeights } from './recognise.js';

/** The activation a folded convolution applies in its fused kernel. */
export type FusedActivation = 'relu' | 'linear';

/** How one step of an inference program runs: tensors in, tensors out; owns `weights`. */
export interface StepKernel {
  run(inputs: readonly tf.Tensor[]): tf.Tensor[];
  /** Tensors the step made (folded weights) or holds a reference to; freed by the program. */
  readonly weights: readonly tf.Tensor[];
}

/**
 * A {@link Conv2d} with the BatchNorm after it folded in, run as one fused convolution with
 * bias (and the following ReLU, when given).
 *
 * @returns A step owning its folded kernel and bias.
 */
export function foldedConvStep(
  conv: Conv2dWeights,
  bn: BatchNormWeights,
  activation: FusedActivation,
): StepKernel {
  const { kernel, bias } = foldIntoKernel(conv.kernel, conv.bias, bn);
  return {
    weights: [kernel, bias],
    run: ([x]) => [
      tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: kernel,
        strides: conv.strides,
        pad: conv.padding,
        bias,
        activation,
      }),
    ],
  };
}

/**
 * A {@link SeparableConv2d} with the BatchNorm after it folded into its pointwise convolution:
 * the depthwise convolution as it is, then one fused 1×1 convolution with bias (and ReLU). A
 * 1×1 depthwise part without padding (the PixelBlocks of `longxception`) is a per-channel scale
 * and is merged into the pointwise kernel too, leaving a single fused convolution.
 *
 * @returns A step owning its folded weights (and a reference to the depthwise kernel).
 */
export function foldedSeparableStep(
  sep: SeparableConv2dWeights,
  bn: BatchNormWeights,
  activation: FusedActivation,
): StepKernel {
  const { kernel, bias } = foldedPointwise(sep, bn);
  const fusedPointwise = (y: tf.Tensor4D) =>
    tf.fused.conv2d({ x: y, filter: kernel, strides: 1, pad: 'valid', bias, activation });
  if (sep.pointwiseOnly)
    return { weights: [kernel, bias], run: ([x]) => [fusedPointwise(x as tf.Tensor4D)] };
  // A reference of our own (shared data, no copy): the step keeps working if the model's
  // weights are later reassigned or disposed, as the folded ones do.
  const depthwise = tf.clone(sep.depthwise);
  return {
    weights: [kernel, bias, depthwise],
    run: ([x]) => {
      const y = tf.depthwiseConv2d(x as tf.Tensor4D, depthwise, 1, sep.padding);
      const out = fusedPointwise(y);
      y.dispose();
      return [out];
    },
  };
}

/** A layer run as it is, in inference mode. Its weights stay the model's. */
export function layerStep(layer: GraphLayer): StepKernel {
  return {
    weights: [],
    run: (inputs) => {
      const out = layer.apply(inputs.length === 1 ? inputs[0] : [...inputs], {
        training: false,
      }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    },
  };
}
