import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import { MaxPool2d } from './max-pool2d.js';
import { SeparableConv2d } from './separable-conv2d.js';

let registered = false;

/**
 * Registers patchfx's custom layers with the tfjs serialization registry so saved models can
 * be loaded. Idempotent; called by every loader, so apps rarely need it.
 */
export function registerCustomLayers(): void {
  if (registered) return;
  for (const cls of [Conv2d, SeparableConv2d, MaxPool2d, BatchNorm]) {
    tf.serialization.registerClass(
      cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
    );
  }
  registered = true;
}
