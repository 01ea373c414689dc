import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { describe, expect, inject, test } from 'vitest';
import { relativeError, withNoLeaks } from '@patchfx/test-utils';
import { batchNormTraining } from '../src/layers/batch-norm.js';
import { BatchNorm } from '../src/index.js';

const backend = inject('backend');

/** Training-mode BN written with plain differentiable ops (the reference formula). */
function reference(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

describe(`batch norm (training) on ${backend}`, () => {
  test('forward and gradients match plain ops', async () => {
    const [x, g, b, dy] = tf.tidy(() => [
      tf.add(tf.mul(tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 1), 2), 0.7),
      tf.randomNormal([6], 1, 0.3, 'float32', 2),
      tf.randomNormal([6], 0, 0.3, 'float32', 3),
      tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 4),
    ]);
    const ours = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
      const r = batchNormTraining(a, c, d, 1e-5);
      tf.dispose([r.mean, r.variance]);
      return tf.sum(tf.mul(r.y, dy));
    };
    const ref = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.sum(tf.mul(reference(a, c, d, 1e-5), dy));
    const got = await withNoLeaks(async () => {
      const gs = tf.grads(ours)([x, g, b]);
      const arrays = await Promise.all(gs.map((t) => t.data()));
      tf.dispose(gs);
      return arrays;
    });
    const gsRef = tf.grads(ref)([x, g, b]);
    const want = await Promise.all(gsRef.map((t) => t.data()));
    tf.dispose(gsRef);
    for (let i = 0; i < 3; i++) expect(relativeError(got[i], want[i])).toBeLessThan(1e-4);
    const yOurs = tf.tidy(() => {
      const r = batchNormTraining(x, g, b, 1e-5);
      tf.dispose([r.mean, r.variance]);
      return r.y;
    });
    const yRef = tf.tidy(() => reference(x, g, b, 1e-5));
    expect(relativeError(await yOurs.data(), await yRef.data())).toBeLessThan(1e-5);
    tf.dispose([x, g, b, dy, yOurs, yRef]);
  });

  test('precise BN sets the moving statistics to the exact statistics of the batches', async () => {
    const { buildPatchDiscriminator } = await import('../src/index.js');
    const { recalibrateBatchNorm } = await import('../src/train/index.js');
    const model = buildPatchDiscriminator('xception_relu1');
    const xs = [0, 1].map(
      (s) =>
        tf.tidy(() =>
          tf.add(tf.mul(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', s), 2), 1),
        ) as tf.Tensor4D,
    );
    try {
      await withNoLeaks(() => recalibrateBatchNorm(model, xs));
      // bn1 sees conv1's output: compare with moments of conv1 over both batches together.
      const conv = model.getLayer('conv1');
      const pre = tf.tidy(() => tf.concat(xs.map((x) => conv.apply(x) as tf.Tensor)));
      const { mean, variance } = tf.moments(pre, [0, 1, 2]);
      const n = pre.size / pre.shape[3]!;
      const [mm, mv] = model.getLayer('bn1').getWeights().slice(2);
      expect(relativeError(await mm.data(), await mean.data())).toBeLessThan(1e-4);
      const unbiased = Array.from(await variance.data(), (v) => (v * n) / (n - 1));
      expect(relativeError(await mv.data(), unbiased)).toBeLessThan(1e-4);
      tf.dispose([pre, mean, variance]);
    } finally {
      tf.dispose(xs);
      model.dispose();
    }
  });

  test('moving statistics follow PyTorch (momentum 0.1, unbiased variance)', async () => {
    const layer = new BatchNorm({ name: 'bn_test' });
    const x = tf.tidy(() =>
      tf.add(tf.mul(tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 5), 3), 1),
    );
    tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = 4 * 3 * 3;
    const weights = layer.getWeights();
    const mm = await weights[2].data();
    const mv = await weights[3].data();
    const m = await mean.data();
    const v = await variance.data();
    for (let c = 0; c < 2; c++) {
      expect(mm[c]).toBeCloseTo(0.1 * m[c], 5);
      expect(mv[c]).toBeCloseTo(0.9 + 0.1 * v[c] * (n / (n - 1)), 4);
    }
    tf.dispose([x, mean, variance]);
    layer.dispose();
  });
});
