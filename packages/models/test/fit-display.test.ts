/**
 * The training loop's display hook (`onDisplay` every `displayFreq` batches, before the update)
 * and `trainingLogits` (a training-mode forward pass that leaves BatchNorm's moving statistics).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { describe, expect, test } from 'vitest';
import { withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '../src/index.js';
import {
  trainingLogits,
  trainPatchDiscriminator,
  type Batch,
  type BatchSource,
  type DisplayBatch,
} from '../src/train/index.js';

function source(batches: number): BatchSource {
  const make = (seed: number): Batch =>
    tf.tidy(() => ({
      images: tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', seed) as tf.Tensor4D,
      labels: tf.tensor1d([1, 1, 0, 0], 'int32'),
    }));
  return {
    async *trainEpoch(epoch, start) {
      for (let b = start; b < batches; b++) yield make(100 * epoch + b);
    },
    async *val() {
      yield make(9999);
    },
  };
}

/** Moving means and variances of every BatchNorm layer, as plain numbers. */
async function movingStats(model: LayersModel) {
  const ws = model.weights.filter((w) => /moving/.test(w.originalName));
  expect(ws.length).toBeGreaterThan(0);
  return Promise.all(ws.map(async (w) => Array.from(await w.read().data())));
}

describe('display hook', () => {
  test('onDisplay every displayFreq batches over the run, with the weights before the step', async () => {
    const model = buildPatchDiscriminator('xception_relu1');
    try {
      const seen: {
        step: number;
        epoch: number;
        stepInEpoch: number;
        shape: number[];
        labels: number[];
        logits: number[];
      }[] = [];
      const stepsLogged: number[] = [];
      await withNoLeaks(() =>
        trainPatchDiscriminator(
          { model, data: source(3), config: { maxSteps: 7, displayFreq: 2, patience: 100 } },
          {
            async onDisplay(b: DisplayBatch) {
              const logits = trainingLogits(model, b.images);
              seen.push({
                step: b.step,
                epoch: b.epoch,
                stepInEpoch: b.stepInEpoch,
                shape: b.images.shape,
                labels: Array.from(await b.labels.data()),
                logits: Array.from(await logits.data()),
              });
              logits.dispose();
            },
            onStep(l) {
              stepsLogged.push(l.step);
            },
          },
        ),
      );
      expect(stepsLogged).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(seen.map((s) => [s.step, s.epoch, s.stepInEpoch])).toEqual([
        [2, 0, 2],
        [4, 1, 1],
        [6, 1, 3],
      ]);
      expect(seen[0].shape).toEqual([4, 32, 32, 3]);
      expect(seen[0].labels).toEqual([1, 1, 0, 0]);
      // The display of step 2 saw the weights before step 2's update: the same logits as a
      // run stopped after step 1 gives for that batch.
      const fresh = buildPatchDiscriminator('xception_relu1');
      try {
        await trainPatchDiscriminator({
          model: fresh,
          data: source(3),
          config: { maxSteps: 1, patience: 100 },
        });
        const batch = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
        const l = trainingLogits(fresh, batch);
        const after1 = Array.from(await l.data());
        tf.dispose([batch, l]);
        expect(seen[0].logits).toEqual(after1);
      } finally {
        fresh.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  test('no onDisplay: the loop runs as before (no extra tensors)', async () => {
    const model = buildPatchDiscriminator('xception_relu1');
    try {
      const r = await withNoLeaks(() =>
        trainPatchDiscriminator({
          model,
          data: source(2),
          config: { maxSteps: 2, displayFreq: 1 },
        }),
      );
      expect(r.state.totalSteps).toBe(2);
    } finally {
      model.dispose();
    }
  });
});

describe('trainingLogits', () => {
  test('batch statistics, moving statistics untouched, no leaks', async () => {
    const model = buildPatchDiscriminator('xception_relu1');
    const x = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    try {
      const before = await movingStats(model);
      const logits = await withNoLeaks(async () => {
        const t = trainingLogits(model, x);
        const v = Array.from(await t.data());
        const shape = t.shape;
        t.dispose();
        return { v, shape };
      });
      expect(logits.shape).toEqual([4, 15, 15, 2]);
      expect(await movingStats(model)).toEqual(before);
      // Training mode: differs from inference with the initial moving statistics.
      const inference = tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor);
      const iv = Array.from(await inference.data());
      inference.dispose();
      expect(logits.v).not.toEqual(iv);
      // And a training-mode apply (not through trainingLogits) does move them.
      tf.dispose(tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor));
      expect(await movingStats(model)).not.toEqual(before);
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
