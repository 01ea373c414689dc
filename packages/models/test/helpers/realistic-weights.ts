/**
 * Test weights at a realistic scale, for comparisons between engines.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Weights at a realistic scale: the reference's xavier(gain 0.02) start gives activations near
 * 1e-10 deep in the net, where float rounding says nothing. Kernels scaled to unit-ish gain and
 * BatchNorm statistics made non-trivial, so folding and every layer matter.
 */
export function realisticWeights(model: LayersModel): void {
  model.weights.forEach((w, i) => {
    const v = w.read();
    // tfjs suffixes `_1`, `_2`, … to the names of a second model's variables.
    const name = w.name.replace(/_\d+$/, '');
    const next = tf.tidy(() => {
      if (/moving_variance$/.test(name)) return tf.randomUniform(v.shape, 0.5, 2, 'float32', i);
      if (/moving_mean$/.test(name)) return tf.randomUniform(v.shape, -0.2, 0.2, 'float32', i);
      if (/gamma$/.test(name)) return tf.randomUniform(v.shape, 0.8, 1.2, 'float32', i);
      if (/beta$|bias$/.test(name)) return tf.randomUniform(v.shape, -0.1, 0.1, 'float32', i);
      const fanIn = v.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      return tf.randomNormal(v.shape, 0, Math.sqrt(2 / Math.max(1, fanIn)), 'float32', i);
    });
    w.write(next);
    next.dispose();
  });
}
