import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { buildPatchDiscriminator, disposeAdamState } from '../src/index.js';
import {
  Adam,
  trainPatchDiscriminator,
  type Batch,
  type BatchSource,
  readTrainingState,
} from '../src/train/index.js';
import { checkpointSink, loadCheckpoint } from '../src/node/index.js';
import { join } from 'node:path';

/** Paired toy batches (random images, half labelled real); `onVal` runs as validation starts. */
function source(batches: number, onVal?: () => void): BatchSource {
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
      onVal?.();
      yield make(9999);
      yield make(9998);
    },
  };
}

async function loadState(dir: string) {
  const ck = await loadCheckpoint(join(dir, 'latest'), { withOptimizer: true });
  const state = readTrainingState(ck.manifest.state, join(dir, 'latest', 'checkpoint.json'));
  return { ck, state };
}

describe('interrupting training (options.signal)', () => {
  test('stops after the step in flight, saves latest there with the optimizer, resumes at the next step', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('xception_relu2', { seed: 3 });
    const stop = new AbortController();
    const steps: number[] = [];
    try {
      const before = tf.memory().numTensors;
      const result = await trainPatchDiscriminator(
        {
          model,
          data: source(5),
          checkpoints: checkpointSink(dir),
          signal: stop.signal,
          config: { saveLatestFreq: 1000 },
        },
        {
          onStep(l) {
            steps.push(l.step);
            if (l.step === 3) stop.abort();
          },
        },
      );
      expect(tf.memory().numTensors).toBe(before);
      expect(steps).toEqual([1, 2, 3]);
      expect(result.stopReason).toBe('interrupted');
      expect(result.state.done).toBeFalsy();
      const { ck, state } = await loadState(dir);
      expect(state).toMatchObject({ epoch: 0, stepInEpoch: 3, totalSteps: 3 });
      expect(state.done).toBeFalsy();
      expect(ck.optimizerState).toBeDefined();
      const optimizer = new Adam({});
      optimizer.setState(ck.optimizerState!);
      disposeAdamState(ck.optimizerState);
      const resumed: Array<[number, number, number]> = [];
      try {
        await trainPatchDiscriminator(
          {
            model: ck.model,
            data: source(5),
            resume: { state, optimizer },
            config: { maxSteps: 6 },
          },
          { onStep: (l) => void resumed.push([l.epoch, l.stepInEpoch, l.step]) },
        );
      } finally {
        optimizer.dispose();
        ck.model.dispose();
      }
      expect(resumed).toEqual([
        [0, 4, 4],
        [0, 5, 5],
        [1, 1, 6],
      ]);
    } finally {
      model.dispose();
      remove();
    }
  });

  test('an interrupt during validation saves latest at the end of the epoch; resuming validates it, then goes on', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('xception_relu2', { seed: 4 });
    const stop = new AbortController();
    try {
      const before = tf.memory().numTensors;
      const result = await trainPatchDiscriminator({
        model,
        data: source(2, () => stop.abort()),
        checkpoints: checkpointSink(dir),
        signal: stop.signal,
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.stopReason).toBe('interrupted');
      const { ck, state } = await loadState(dir);
      expect(state).toMatchObject({ epoch: 0, stepInEpoch: 2, totalSteps: 2 });
      const epochs: number[] = [];
      const steps: number[] = [];
      try {
        const again = await trainPatchDiscriminator(
          { model: ck.model, data: source(2), resume: { state }, config: { maxSteps: 3 } },
          { onEpochEnd: (l) => void epochs.push(l.epoch), onStep: (l) => void steps.push(l.step) },
        );
        expect(again.stopReason).toBe('max_steps');
      } finally {
        disposeAdamState(ck.optimizerState);
        ck.model.dispose();
      }
      expect(epochs).toEqual([0, 1]);
      expect(steps).toEqual([3]);
    } finally {
      model.dispose();
      remove();
    }
  });

  test('a signal aborted before training starts saves latest at the start and trains nothing', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('xception_relu2', { seed: 5 });
    const stop = new AbortController();
    stop.abort();
    try {
      const steps: number[] = [];
      const result = await trainPatchDiscriminator(
        { model, data: source(2), checkpoints: checkpointSink(dir), signal: stop.signal },
        { onStep: (l) => void steps.push(l.step) },
      );
      expect(result.stopReason).toBe('interrupted');
      expect(steps).toEqual([]);
      const { ck, state } = await loadState(dir);
      expect(state).toMatchObject({ epoch: 0, stepInEpoch: 0, totalSteps: 0 });
      disposeAdamState(ck.optimizerState);
      ck.model.dispose();
    } finally {
      model.dispose();
      remove();
    }
  });
});
