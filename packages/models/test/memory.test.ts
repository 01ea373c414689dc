import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '../src/index.js';
import {
  Adam,
  estimateTrainingMemory,
  planMicroBatch,
  trainStep,
  trainingMemoryLimit,
  WASM_HEAP_MAX_BYTES,
  WASM_RESERVE_BYTES,
} from '../src/train/index.js';

const backend = inject('backend');
const block2 = buildPatchDiscriminator('xception_block2');
afterAll(() => block2.dispose());

/** Peak tensor bytes of one real training step (`tf.profile`), the step's own tensors only. */
async function measuredPeak(name: string, size: number, batch: number): Promise<number> {
  const model = buildPatchDiscriminator(name, { seed: 1 });
  const opt = new Adam();
  const x = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 2),
    'int32',
  );
  try {
    const info = await tf.profile(async () => {
      await trainStep(model, opt, x, y);
    });
    // peakBytes: live tensor bytes after each kernel, the model, Adam and the batch included.
    return info.peakBytes;
  } finally {
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  }
}

describe('estimateTrainingMemory', () => {
  // The factors were fitted on wasm at 128 and 299 px (docs/performance.md, "Memory"); here
  // the estimate meets new, small inputs. wasm only: the only backend with a limit, and its
  // kernels are what the factors describe (the cpu backend's peak is ~0.7 of the estimate).
  test.runIf(backend === 'wasm').each([
    ['xception_block1', 64, 4],
    ['xception_block2', 48, 6],
    ['resnet18_layer1', 64, 4],
  ] as const)(
    '%s at %i px ×%i is within a quarter of the measured peak',
    async (name, size, batch) => {
      const measured = await measuredPeak(name, size, batch);
      const model = buildPatchDiscriminator(name);
      const estimate = estimateTrainingMemory(model, size, batch).totalBytes;
      model.dispose();
      expect(Math.abs(estimate / measured - 1)).toBeLessThan(0.25);
    },
  );

  test('grows with the batch and the size, creates no tensor', async () => {
    await withNoLeaks(() => {
      const a = estimateTrainingMemory(block2, 128, 2).totalBytes;
      const b = estimateTrainingMemory(block2, 128, 4).totalBytes;
      const c = estimateTrainingMemory(block2, 256, 2).totalBytes;
      expect(b).toBeGreaterThan(a);
      expect(c).toBeGreaterThan(3 * a);
    });
  });

  test('rejects a size or batch that is not a positive integer', () => {
    expect(() => estimateTrainingMemory(block2, 0, 2)).toThrow(/size must be a positive integer/);
    expect(() => estimateTrainingMemory(block2, 128, 1.5)).toThrow(
      /batch must be a positive integer/,
    );
  });
});

describe('planMicroBatch', () => {
  test('no split for 32 images of 128² of xception_block2 on wasm, 1 or 2 threads', async () => {
    await withNoLeaks(() => {
      for (const threads of [1, 2]) {
        const plan = planMicroBatch({
          model: block2,
          size: 128,
          batchSize: 32,
          backend: 'wasm',
          threads,
        });
        expect(plan.microBatch).toBeNull();
        expect(plan.perThread).toBe(32 / threads);
        expect(plan.limitBytes).toBe(WASM_HEAP_MAX_BYTES - WASM_RESERVE_BYTES);
        expect(plan.estimatedBytes).toBeLessThanOrEqual(plan.limitBytes);
      }
    });
  });

  test('splits into equal even passes where the estimate exceeds the wasm heap', () => {
    for (const threads of [1, 2]) {
      const plan = planMicroBatch({
        model: block2,
        size: 299,
        batchSize: 32,
        backend: 'wasm',
        threads,
      });
      const share = 32 / threads;
      expect(estimateTrainingMemory(block2, 299, share).totalBytes).toBeGreaterThan(
        plan.limitBytes,
      );
      expect(plan.microBatch).not.toBeNull();
      const m = plan.microBatch!;
      expect(m % 2).toBe(0);
      expect(m).toBeLessThan(share);
      expect(plan.estimatedBytes).toBeLessThanOrEqual(plan.limitBytes);
      // The fewest passes: one more image per pass would need another pass or not fit.
      const passes = Math.ceil(share / m);
      expect(
        estimateTrainingMemory(block2, 299, Math.ceil(share / (passes - 1)) + 1).totalBytes,
      ).toBeGreaterThan(plan.limitBytes);
    }
  });

  test('no limit on cpu / webgl / tensorflow unless one is given', () => {
    for (const b of ['cpu', 'webgl', 'tensorflow']) {
      expect(trainingMemoryLimit(b)).toBe(Infinity);
      expect(
        planMicroBatch({ model: block2, size: 299, batchSize: 64, backend: b }).microBatch,
      ).toBeNull();
    }
    const limitBytes = estimateTrainingMemory(block2, 128, 8).totalBytes;
    const plan = planMicroBatch({
      model: block2,
      size: 128,
      batchSize: 32,
      backend: 'cpu',
      limitBytes,
    });
    expect(plan.microBatch).toBe(8);
  });

  test.runIf(backend === 'wasm')('the planned passes really train within the limit', async () => {
    // A limit that holds 4 images of 64² of xception_block1: a batch of 12 goes in 3 passes of 4.
    const model = buildPatchDiscriminator('xception_block1', { seed: 3 });
    const limitBytes = estimateTrainingMemory(model, 64, 5).totalBytes;
    const plan = planMicroBatch({ model, size: 64, batchSize: 12, backend, limitBytes });
    expect(plan.microBatch).toBe(4);
    const opt = new Adam();
    const x = tf.randomUniform([12, 64, 64, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.tensor1d([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0], 'int32');
    try {
      // tf.profile returns the same object each time: read each peak before the next profile.
      const whole = (
        await tf.profile(async () => {
          await trainStep(model, opt, x, y);
        })
      ).peakBytes;
      const split = (
        await tf.profile(() =>
          trainStep(model, opt, x, y, { microBatchSize: plan.microBatch ?? undefined }).then(
            () => undefined,
          ),
        )
      ).peakBytes;
      expect(whole).toBeGreaterThan(limitBytes);
      expect(split).toBeLessThanOrEqual(limitBytes);
    } finally {
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
    }
  });

  test('rejects bad input with the fix', () => {
    const base = { model: block2, size: 128, backend: 'wasm' };
    expect(() => planMicroBatch({ ...base, batchSize: 31 })).toThrow(
      /batchSize must be a positive even integer.*got 31/,
    );
    expect(() => planMicroBatch({ ...base, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => planMicroBatch({ ...base, batchSize: 32, size: 0 })).toThrow(
      /size must be a positive integer/,
    );
    expect(() => planMicroBatch({ ...base, batchSize: 32, threads: 0 })).toThrow(/threads/);
    expect(() => planMicroBatch({ ...base, batchSize: 32, backend: 'wasn' })).toThrow(
      /backend must be one of 'wasm' \| 'cpu'.*got 'wasn'/,
    );
    expect(() => planMicroBatch({ ...base, batchSize: 32, limitBytes: 0 })).toThrow(/limitBytes/);
    expect(() => planMicroBatch({ ...base, batchSize: 2, size: 4000 })).toThrow(
      /2 images of 4000².*smaller input size/,
    );
  });
});
