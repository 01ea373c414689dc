import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { expectArrayClose, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '../src/index.js';
import { Adam, microBatches, trainStep } from '../src/train/index.js';

describe('gradient accumulation over micro-batches', () => {
  test('micro-batches interleave the classes', () => {
    expect(microBatches([1, 1, 1, 0, 0, 0], 2)).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(microBatches([1, 0, 1, 0], 3)).toEqual([[0, 1, 2], [3]]);
  });

  test('equals one big batch when every micro-batch has the batch statistics', async () => {
    // Batch [r, r, f, f] split into [r, f] + [r, f]: each half has the full batch's BN stats.
    const [x, y] = tf.tidy(() => {
      const r = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 11);
      const f = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 12);
      return [tf.concat([r, r, f, f]) as tf.Tensor4D, tf.tensor1d([1, 1, 0, 0], 'int32')];
    });
    const a = buildPatchDiscriminator('xception_block1', { seed: 5 });
    const b = buildPatchDiscriminator('xception_block1', { seed: 5 });
    // With a huge epsilon, Adam's first update is lr·g/ε = g: the weight change is the gradient.
    const oa = new Adam({ learningRate: 1e3, epsilon: 1e3 });
    const ob = new Adam({ learningRate: 1e3, epsilon: 1e3 });
    const w0 = await Promise.all(a.getWeights().map((w) => w.data()));
    try {
      const whole = await trainStep(a, oa, x, y);
      const split = await withNoLeaks(async () => {
        const before = tf.memory().numTensors;
        const r = await trainStep(b, ob, x, y, { microBatchSize: 2 });
        // The only new tensors are Adam's two moments per trainable weight.
        expect(tf.memory().numTensors - before).toBe(2 * b.trainableWeights.length);
        ob.dispose();
        return r;
      });
      expect(split.loss).toBeCloseTo(whole.loss, 5);
      expect(split.raw).toBeCloseTo(whole.raw, 6);
      const wa = await Promise.all(a.getWeights().map((w) => w.data()));
      const wb = await Promise.all(b.getWeights().map((w) => w.data()));
      const deltas = (w: typeof wa) => w.map((v, i) => v.map((x, k) => x - w0[i][k]));
      const [dA, dB] = [deltas(wa), deltas(wb)];
      const scale = Math.max(...dA.map((d) => Math.max(...d.map(Math.abs))));
      for (let i = 0; i < dA.length; i++) {
        const [da, db] = [dA[i], dB[i]];
        // Trainable weights: equal gradients; moving BN statistics: equal updates. Sums of
        // near-cancelling terms (a β gradient can be ~1e-8) get an absolute tolerance.
        expectArrayClose(db, da, { atol: 1e-4 * scale, rtol: 2e-3 });
      }
    } finally {
      tf.dispose([x, y]);
      oa.dispose();
      ob.dispose();
      a.dispose();
      b.dispose();
    }
  });
});
