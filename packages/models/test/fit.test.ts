import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, inject, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { buildPatchDiscriminator, disposeAdamState } from '../src/index.js';
import {
  PlateauScheduler,
  decideAfterEpoch,
  trainPatchDiscriminator,
  type Batch,
  type BatchSource,
  readTrainingState,
} from '../src/train/index.js';
import { checkpointSink, loadCheckpoint } from '../src/node/index.js';

const backend = inject('backend');

describe('model selection and stopping (spec §2.3)', () => {
  const opts = { patience: 2, maxEpochs: 10 };
  test('a strict improvement saves bestval', () => {
    expect(decideAfterEpoch({ bestValMetric: 0.5, bestValEpoch: 0 }, 1, 0.6, opts)).toEqual({
      bestValMetric: 0.6,
      bestValEpoch: 1,
      improved: true,
      stop: null,
    });
    expect(decideAfterEpoch({ bestValMetric: 0.6, bestValEpoch: 1 }, 2, 0.6, opts).improved).toBe(
      false,
    );
  });
  test('stops after 5 × patience epochs without improvement', () => {
    expect(
      decideAfterEpoch({ bestValMetric: 0.6, bestValEpoch: 1 }, 11, 0.5, { patience: 2 }).stop,
    ).toBe(null);
    expect(
      decideAfterEpoch({ bestValMetric: 0.6, bestValEpoch: 1 }, 12, 0.5, { patience: 2 }).stop,
    ).toBe('patience');
  });
  test('stops at perfect accuracy, but only in an epoch without improvement', () => {
    expect(decideAfterEpoch({ bestValMetric: 0.9, bestValEpoch: 1 }, 2, 1, opts)).toMatchObject({
      improved: true,
      stop: null,
    });
    expect(decideAfterEpoch({ bestValMetric: 1, bestValEpoch: 2 }, 3, 1, opts).stop).toBe(
      'perfect',
    );
  });
  test('stops past max_epochs when not improving', () => {
    expect(decideAfterEpoch({ bestValMetric: 0.9, bestValEpoch: 9 }, 10, 0.5, opts).stop).toBe(
      null,
    );
    expect(decideAfterEpoch({ bestValMetric: 0.9, bestValEpoch: 9 }, 11, 0.5, opts).stop).toBe(
      'max_epochs',
    );
    expect(decideAfterEpoch({ bestValMetric: 0.9, bestValEpoch: 9 }, 11, 0.95, opts).stop).toBe(
      null,
    );
  });
  test('plateau: factor 0.1 after `patience` bad epochs; constant never changes', () => {
    const p = new PlateauScheduler(1);
    let lr = 0.001;
    lr = p.step(0.5, lr);
    lr = p.step(0.5, lr);
    expect(lr).toBe(0.001);
    lr = p.step(0.5, lr);
    expect(lr).toBeCloseTo(0.0001, 12);
    const c = new PlateauScheduler(Infinity);
    let l2 = 0.001;
    for (let i = 0; i < 50; i++) l2 = c.step(0.1, l2);
    expect(l2).toBe(0.001);
  });
});

/** Paired toy data: reals smooth, fakes with a checkerboard; deterministic per epoch. */
function toySource(batches: number, size = 32, n = 4): BatchSource {
  const make = (seed: number): Batch =>
    tf.tidy(() => {
      const base = tf.randomUniform([n, size, size, 3], -0.5, 0.5, 'float32', seed);
      const checker = tf.tensor(
        Array.from({ length: size * size }, (_, i) =>
          ((i % size) + Math.floor(i / size)) % 2 ? 0.3 : -0.3,
        ),
        [1, size, size, 1],
      );
      const half = n / 2;
      const real = tf.slice(base, [0, 0, 0, 0], [half, size, size, 3]);
      const fake = tf.add(tf.slice(base, [half, 0, 0, 0], [half, size, size, 3]), checker);
      const labels = [...Array(half).fill(1), ...Array(half).fill(0)];
      return {
        images: tf.concat([real, fake]) as tf.Tensor4D,
        labels: tf.tensor1d(labels, 'int32'),
      };
    });
  return {
    async *trainEpoch(epoch, start) {
      for (let b = start; b < batches; b++) yield make(1000 * epoch + b);
    },
    async *val() {
      yield make(999_999);
    },
  };
}

describe(`training loop on ${backend}`, () => {
  test('trains, validates, selects bestval, saves and stops at max_epochs', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator(
      backend === 'cpu' ? 'xception_relu2' : 'xception_block1',
      { seed: 1 },
    );
    const steps: number[] = [];
    const epochs: number[] = [];
    const saved: string[] = [];
    try {
      const before = tf.memory().numTensors;
      const result = await trainPatchDiscriminator(
        {
          model,
          data: toySource(2),
          checkpoints: checkpointSink(dir),
          config: { maxEpochs: 1, patience: 0, saveLatestFreq: 3, adam: { learningRate: 0.01 } },
        },
        {
          onStep: (l) => void steps.push(l.step),
          onEpochEnd: (l) => void epochs.push(l.epoch),
          onCheckpoint: (t) => void saved.push(t),
        },
      );
      expect(tf.memory().numTensors).toBe(before);
      expect(steps).toEqual(steps.map((_, i) => i + 1));
      expect(result.state.done).toBe(true);
      expect(['max_epochs', 'patience', 'perfect']).toContain(result.stopReason);
      expect(saved).toContain('bestval');
      expect(saved).toContain('latest');
      expect(saved.at(-1)).toBe(String(result.state.epoch));
      const lines = readFileSync(join(dir, 'bestval_ep.txt'), 'utf8').trim().split('\n');
      expect(lines[0]).toMatch(/^ep: 0 acc_D_raw_val: [0-9.]+$/);
      const latest = await loadCheckpoint(join(dir, 'latest'), { withOptimizer: true });
      expect(readTrainingState(latest.manifest.state, 'latest').done).toBe(true);
      latest.model.dispose();
      disposeAdamState(latest.optimizerState);
    } finally {
      model.dispose();
      remove();
    }
  });

  test('max_steps stops mid-epoch; resume continues at the saved batch', async () => {
    const model = buildPatchDiscriminator('xception_relu2', { seed: 2 });
    const seen: Array<[number, number]> = [];
    try {
      const first = await trainPatchDiscriminator(
        { model, data: toySource(3), config: { maxSteps: 2 } },
        { onStep: (l) => void seen.push([l.epoch, l.stepInEpoch]) },
      );
      expect(first.stopReason).toBe('max_steps');
      expect(seen).toEqual([
        [0, 1],
        [0, 2],
      ]);
      const resumed: Array<[number, number]> = [];
      await trainPatchDiscriminator(
        {
          model,
          data: toySource(3),
          config: { maxSteps: 4 },
          resume: { state: { ...first.state, done: false, stepInEpoch: 2, totalSteps: 2 } },
        },
        { onStep: (l) => void resumed.push([l.epoch, l.stepInEpoch]) },
      );
      expect(resumed).toEqual([
        [0, 3],
        [1, 1],
      ]);
    } finally {
      model.dispose();
    }
  });
});
