import * as tf from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { convOutputSize, type GeometricLayer, type LayerGeometry } from './geometry.js';
import { single, singleShape } from './util.js';

/** Construction config of {@link MaxPool2d}. */
export interface MaxPool2dConfig {
  /** @defaultValue 3 */
  readonly poolSize?: number;
  /** @defaultValue 2 */
  readonly strides?: number;
  /** Symmetric padding; padded cells never win the max (PyTorch semantics). @defaultValue 1 */
  readonly padding?: number;
  readonly name?: string;
}

/**
 * Max pooling with PyTorch's symmetric padding (`nn.MaxPool2d(3, 2, 1)` by default).
 *
 * Input shape: `[batch, h, w, c]`. Output shape: `[batch, ⌊(h + 2p − k)/s⌋ + 1, …, c]`.
 */
export class MaxPool2d extends layers.Layer implements GeometricLayer {
  static readonly className = 'PatchfxMaxPool2d';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: number;

  constructor(config: MaxPool2dConfig = {}) {
    super({ name: config.name });
    this.poolSize = config.poolSize ?? 3;
    this.strides = config.strides ?? 2;
    this.padding = config.padding ?? 1;
  }

  geometry(): LayerGeometry {
    return { kernel: this.poolSize, stride: this.strides, pad: this.padding };
  }

  override computeOutputShape(
    inputShape: (number | null)[] | (number | null)[][],
  ): (number | null)[] {
    const [n, h, w, c] = singleShape(inputShape);
    const g = this.geometry();
    return [n, convOutputSize(h, g), convOutputSize(w, g), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      tf.maxPool(single(inputs) as tf.Tensor4D, this.poolSize, this.strides, this.padding),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize,
      strides: this.strides,
      padding: this.padding,
    };
  }
}
