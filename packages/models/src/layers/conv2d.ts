import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { convOutputSize, type GeometricLayer, type LayerGeometry } from './geometry.js';
import { single, singleShape } from './util.js';

/** Construction config of {@link Conv2d}. */
export interface Conv2dConfig {
  readonly filters: number;
  readonly kernelSize: number;
  /** @defaultValue 1 */
  readonly strides?: number;
  /** Symmetric zero padding in pixels (PyTorch `padding=`). @defaultValue 0 */
  readonly padding?: number;
  /** @defaultValue false */
  readonly useBias?: boolean;
  readonly name?: string;
  readonly trainable?: boolean;
}

/**
 * A 2-D convolution with PyTorch's symmetric integer padding (TF's `same` pads bottom/right
 * first on stride 2, which would shift every patch window).
 *
 * Input shape: `[batch, height, width, inChannels]`.
 * Output shape: `[batch, ⌊(h + 2p − k)/s⌋ + 1, ⌊(w + 2p − k)/s⌋ + 1, filters]`.
 * Weights: `kernel` `[k, k, in, filters]` (HWIO), `bias` `[filters]` when `useBias`.
 */
export class Conv2d extends layers.Layer implements GeometricLayer {
  static readonly className = 'PatchfxConv2d';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly useBias: boolean;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(config: Conv2dConfig) {
    super({ name: config.name, trainable: config.trainable });
    this.filters = config.filters;
    this.kernelSize = config.kernelSize;
    this.strides = config.strides ?? 1;
    this.padding = config.padding ?? 0;
    this.useBias = config.useBias ?? false;
  }

  geometry(): LayerGeometry {
    return { kernel: this.kernelSize, stride: this.strides, pad: this.padding };
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const shape = singleShape(inputShape);
    const inChannels = shape[shape.length - 1];
    if (inChannels == null) throw new Error(`${this.name}: the channel axis must be known`);
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize, this.kernelSize, inChannels, this.filters],
      'float32',
      initializers.zeros(),
    );
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], 'float32', initializers.zeros());
    }
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
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const bias = this.bias?.read();
      if (bias) {
        return tf.fused.conv2d({
          x,
          filter: kernel,
          strides: this.strides,
          pad: this.padding,
          bias,
        });
      }
      return tf.conv2d(x, kernel, this.strides, this.padding);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      useBias: this.useBias,
    };
  }
}
