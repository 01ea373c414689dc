import type * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batch-norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { SeparableConv2d } from '../layers/separable-conv2d.js';
import type { BatchNormWeights } from './fold-weights.js';
import type { GraphLayer } from './graph.js';

// Layers are recognised by their serialised class name and read through `getConfig` and their
// weights' names, not `instanceof`: a loaded model, or one built by another copy of this
// package, then folds the same way.

/** The current value of a layer's weight called `name` (`'kernel'`, `'gamma'`, …), if any. */
export function weightOf(layer: GraphLayer, name: string): tf.Tensor | null {
  const w = layer.weights.find(
    (v) => v.originalName === name || v.originalName.endsWith(`/${name}`),
  );
  return w ? w.read() : null;
}

/** The PyTorch-style `padding`, `strides` and `kernelSize` of one of patchfx's conv layers. */
export interface ConvGeometry {
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
}

function geometry(layer: GraphLayer): ConvGeometry {
  const c = layer.getConfig();
  return {
    kernelSize: Number(c.kernelSize),
    strides: Number(c.strides ?? 1),
    padding: Number(c.padding ?? 0),
  };
}

/** What folding needs of a {@link Conv2d}. */
export interface Conv2dWeights extends ConvGeometry {
  /** `[k, k, in, out]`. */
  readonly kernel: tf.Tensor4D;
  readonly bias: tf.Tensor1D | null;
}

/** What folding needs of a {@link SeparableConv2d}. */
export interface SeparableConv2dWeights extends ConvGeometry {
  /** `[k, k, in, 1]`. */
  readonly depthwise: tf.Tensor4D;
  /** `[1, 1, in, out]`. */
  readonly pointwise: tf.Tensor4D;
  /**
   * Whether the depthwise part is 1×1 without padding (the PixelBlocks of `longxception`): a
   * per-channel scale, merged into the pointwise kernel when folding or exporting.
   */
  readonly pointwiseOnly: boolean;
}

/** A {@link Conv2d}'s geometry and weights, or `null` for any other (or an unbuilt) layer. */
export function asConv2d(layer: GraphLayer): Conv2dWeights | null {
  if (layer.getClassName() !== Conv2d.className) return null;
  const kernel = weightOf(layer, 'kernel');
  if (!kernel || kernel.rank !== 4) return null;
  const bias = layer.getConfig().useBias ? weightOf(layer, 'bias') : null;
  return { ...geometry(layer), kernel: kernel as tf.Tensor4D, bias: bias as tf.Tensor1D | null };
}

/** A {@link SeparableConv2d}'s geometry and weights, or `null` for any other layer. */
export function asSeparableConv2d(layer: GraphLayer): SeparableConv2dWeights | null {
  if (layer.getClassName() !== SeparableConv2d.className) return null;
  const depthwise = weightOf(layer, 'depthwise_kernel');
  const pointwise = weightOf(layer, 'pointwise_kernel');
  if (!depthwise || !pointwise) return null;
  const g = geometry(layer);
  return {
    ...g,
    strides: 1,
    pointwiseOnly: g.kernelSize === 1 && g.padding === 0,
    depthwise: depthwise as tf.Tensor4D,
    pointwise: pointwise as tf.Tensor4D,
  };
}

/** A {@link BatchNorm}'s inference weights, or `null` for any other layer. */
export function asBatchNorm(layer: GraphLayer): BatchNormWeights | null {
  if (layer.getClassName() !== BatchNorm.className) return null;
  const [gamma, beta, movingMean, movingVariance] = [
    'gamma',
    'beta',
    'moving_mean',
    'moving_variance',
  ].map((n) => weightOf(layer, n) as tf.Tensor1D | null);
  if (!gamma || !beta || !movingMean || !movingVariance) return null;
  const epsilon = Number(layer.getConfig().epsilon ?? 1e-5);
  return { gamma, beta, movingMean, movingVariance, epsilon };
}

/** Whether a layer is a plain ReLU (`layers.reLU()` without `maxValue`, or `activation('relu')`). */
export function isRelu(layer: GraphLayer): boolean {
  const name = layer.getClassName();
  const c = layer.getConfig();
  return (
    (name === 'ReLU' && c.maxValue == null) || (name === 'Activation' && c.activation === 'relu')
  );
}
