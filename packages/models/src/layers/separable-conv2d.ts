import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { convOutputSize, type GeometricLayer, type LayerGeometry } from './geometry.js';
import { single, singleShape } from './util.js';

/** Construction config of {@link SeparableConv2d}. */
export interface SeparableConv2dConfig {
  readonly filters: number;
  /** Depthwise kernel size. @defaultValue 3 */
  readonly kernelSize?: number;
  /** Symmetric zero padding of the depthwise part. @defaultValue 1 */
  readonly padding?: number;
  readonly name?: string;
  readonly trainable?: boolean;
}

/**
 * Xception's `SeparableConv2d`: a depthwise k×k convolution (stride 1, no bias) followed
 * directly by a pointwise 1×1 convolution (no bias), with nothing in between.
 *
 * Input shape: `[batch, h, w, in]`. Output shape: `[batch, h + 2p − k + 1, …, filters]`.
 * Weights: `depthwise_kernel` `[k, k, in, 1]`, `pointwise_kernel` `[1, 1, in, filters]`.
 */
export class SeparableConv2d extends layers.Layer implements GeometricLayer {
  static readonly className = 'PatchfxSeparableConv2d';
  readonly filters: number;
  readonly kernelSize: number;
  readonly padding: number;
  private depthwise: LayerVariable | null = null;
  private pointwise: LayerVariable | null = null;

  constructor(config: SeparableConv2dConfig) {
    super({ name: config.name, trainable: config.trainable });
    this.filters = config.filters;
    this.kernelSize = config.kernelSize ?? 3;
    this.padding = config.padding ?? 1;
  }

  geometry(): LayerGeometry {
    return { kernel: this.kernelSize, stride: 1, pad: this.padding };
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const shape = singleShape(inputShape);
    const inChannels = shape[shape.length - 1];
    if (inChannels == null) throw new Error(`${this.name}: the channel axis must be known`);
    const k = this.kernelSize;
    this.depthwise = this.addWeight(
      'depthwise_kernel',
      [k, k, inChannels, 1],
      'float32',
      initializers.zeros(),
    );
    this.pointwise = this.addWeight(
      'pointwise_kernel',
      [1, 1, inChannels, this.filters],
      'float32',
      initializers.zeros(),
    );
    this.built = true;
  }

  override computeOutputShape(
    inputShape: (number | null)[] | (number | null)[][],
  ): (number | null)[] {
    const [n, h, w] = singleShape(inputShape);
    const g = this.geometry();
    return [n, convOutputSize(h, g), convOutputSize(w, g), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const dw = this.depthwise!.read() as tf.Tensor4D;
      const pw = this.pointwise!.read() as tf.Tensor4D;
      const y =
        this.kernelSize === 1 && this.padding === 0
          ? tf.mul(x, tf.reshape(dw, [-1]))
          : tf.depthwiseConv2d(x, dw, 1, this.padding);
      return tf.conv2d(y as tf.Tensor4D, pw, 1, 'valid');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      padding: this.padding,
    };
  }
}
