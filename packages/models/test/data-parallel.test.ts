import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { expectArrayClose, withNoLeaks } from '@patchfx/test-utils';
import { BatchNorm, buildPatchDiscriminator, resolveModelConfig } from '../src/index.js';
import {
  Adam,
  evalStep,
  recalibrateBatchNorm,
  trainPatchDiscriminator,
  trainStep,
  type BatchSource,
  type EpochLog,
  type StepResult,
} from '../src/train/index.js';
import { setSimdKernelsEnabled } from '../src/backend/index.js';
import {
  createDataParallel,
  resolveDataParallelConfig,
  type DataParallel,
} from '../src/node/index.js';
import { createDataParallelWith } from '../src/node/data-parallel/data-parallel.js';
import { assignMicroBatches, splitRows } from '../src/node/data-parallel/split.js';

const backend = inject('backend');
/** The pure-JS cpu backend is slow: it gets the smallest model (which has one BatchNorm). */
const MODEL = backend === 'cpu' ? 'xception_relu1' : 'xception_block1';
const SIZE = 32;
/** Weights and moving statistics (partial sums may be added in another order than on one thread). */
const TOL = { rtol: 1e-4, atol: 1e-6 };

function batch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, SIZE, SIZE, 3], -1, 1, 'float32', seed) as tf.Tensor4D,
    y: tf.tensor1d(
      Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0)),
      'int32',
    ),
  }));
}

async function expectSameWeights(actual: LayersModel, expected: LayersModel): Promise<void> {
  expect(actual.weights.map((w) => w.originalName)).toEqual(
    expected.weights.map((w) => w.originalName),
  );
  for (let i = 0; i < expected.weights.length; i++) {
    const [a, e] = await Promise.all([
      actual.weights[i].read().data(),
      expected.weights[i].read().data(),
    ]);
    try {
      expectArrayClose(a, e, TOL);
    } catch (err) {
      throw new Error(`${expected.weights[i].originalName}: ${(err as Error).message}`);
    }
  }
}

function expectSameResult(actual: StepResult, expected: StepResult): void {
  expect(actual.n).toBe(expected.n);
  expect(actual.loss).toBeCloseTo(expected.loss, 5);
  for (const k of ['raw', 'voted', 'avg'] as const) expect(actual[k]).toBeCloseTo(expected[k], 6);
}

describe('dividing a batch among threads', () => {
  const micro = [
    { sizes: [4, 4], replicas: 2, shares: [[1], [0]] },
    {
      sizes: [2, 2, 2, 2],
      replicas: 2,
      shares: [
        [1, 3],
        [0, 2],
      ],
    },
    { sizes: [3, 3, 2], replicas: 2, shares: [[1], [0, 2]] },
    { sizes: [2, 2, 2], replicas: 3, shares: [[2], [0], [1]] },
    { sizes: [2], replicas: 2, shares: [[], [0]] },
    { sizes: [2, 2], replicas: 1, shares: [[0, 1]] },
  ] as const;
  for (const c of micro) {
    test(`micro-batches ${c.sizes.join('+')} over ${c.replicas} replicas`, () => {
      expect(assignMicroBatches(c.sizes, c.replicas)).toEqual(c.shares);
    });
  }
  const rows = [
    {
      n: 8,
      replicas: 2,
      ranges: [
        [4, 8],
        [0, 4],
      ],
    },
    {
      n: 5,
      replicas: 2,
      ranges: [
        [3, 5],
        [0, 3],
      ],
    },
    {
      n: 7,
      replicas: 3,
      ranges: [
        [5, 7],
        [0, 3],
        [3, 5],
      ],
    },
    {
      n: 1,
      replicas: 2,
      ranges: [
        [1, 1],
        [0, 1],
      ],
    },
  ] as const;
  for (const c of rows) {
    test(`${c.n} rows over ${c.replicas} replicas: workers first, calling thread last`, () => {
      expect(splitRows(c.n, c.replicas)).toEqual(c.ranges);
    });
  }
});

describe('BatchNorm statistics across replicas', () => {
  test('statistics read from one layer and merged into another equal one accumulation', async () => {
    const [x1, x2] = [batch(3, 21).x, batch(5, 22).x];
    const layers = [0, 1, 2].map(() => new BatchNorm({ momentum: 0.5 }));
    // Build them (creating their weights) before counting tensors: the same call for each.
    layers.forEach((l) => tf.dispose(l.apply(x1, { training: true }) as tf.Tensor));
    try {
      await withNoLeaks(async () => {
        const [a, b, whole] = layers;
        layers.forEach((l) => l.beginAccumulation());
        expect(await a.readAccumulation()).toBeNull(); // nothing seen yet
        const run = (l: BatchNorm, x: tf.Tensor) =>
          tf.dispose(l.apply(x, { training: true }) as tf.Tensor);
        run(a, x1);
        run(b, x2);
        run(whole, x1);
        run(whole, x2);
        const stats = await b.readAccumulation();
        expect(stats?.count).toBe(5 * SIZE * SIZE);
        expect(() => a.mergeAccumulation({ ...stats!, sum: new Float32Array(2) })).toThrow(
          /cannot merge statistics of 2 channels into 3/,
        );
        a.mergeAccumulation(stats!);
        a.commitAccumulation();
        whole.commitAccumulation();
        b.discardAccumulation();
        expect(() => a.mergeAccumulation(stats!)).toThrow(/needs beginAccumulation first/);
        const [wa, ww] = [a.getWeights(), whole.getWeights()];
        for (let i = 0; i < ww.length; i++)
          expectArrayClose(await wa[i].data(), await ww[i].data(), { atol: 1e-6, rtol: 1e-5 });
      });
    } finally {
      tf.dispose([x1, x2]);
      layers.forEach((l) => l.dispose());
    }
  });
});

describe('data-parallel config', () => {
  test('workers must be a positive integer; the backend one of cpu | wasm', () => {
    expect(() => resolveDataParallelConfig({ workers: 0 })).toThrow(/workers must be/);
    expect(() => resolveDataParallelConfig({ workers: 2.5 })).toThrow(/workers must be/);
    expect(() =>
      resolveDataParallelConfig({ workers: 2, backend: 'webgl' as unknown as 'cpu' }),
    ).toThrow(/backend must be one of 'cpu' \| 'wasm'/);
    expect(resolveDataParallelConfig({ workers: 3 })).toEqual({
      workers: 3,
      backend,
      maxReplicas: 4,
      batchNorm: 'sync',
    });
    expect(() => resolveDataParallelConfig({ batchNorm: 'synced' as unknown as 'sync' })).toThrow(
      /batchNorm must be 'sync' or 'local', got 'synced'/,
    );
  });
});

describe(`data-parallel training on ${backend} (2 threads)`, () => {
  let dp: DataParallel;
  let local: DataParallel;
  beforeAll(async () => {
    [dp, local] = await Promise.all([
      createDataParallel({ workers: 2 }),
      createDataParallel({ workers: 2, batchNorm: 'local' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([dp?.dispose(), local?.dispose()]);
  });

  /**
   * Two steps of `parallel` against two single-thread steps; weights and statistics compared.
   * `resync`: the second step starts from the single-thread model's weights (see below).
   */
  const compareSteps = async (
    seed: number,
    n: number,
    adam: ConstructorParameters<typeof Adam>[0],
    single: (m: LayersModel, o: Adam, x: tf.Tensor4D, y: tf.Tensor1D) => Promise<StepResult>,
    parallel: (m: LayersModel, o: Adam, x: tf.Tensor4D, y: tf.Tensor1D) => Promise<StepResult>,
    resync = false,
  ) => {
    const a = buildPatchDiscriminator(MODEL, { seed });
    const b = buildPatchDiscriminator(MODEL, { seed });
    const [o1, o2] = [new Adam(adam), new Adam(adam)];
    const batches = [batch(n, seed + 1), batch(n, seed + 2)];
    try {
      for (const [i, { x, y }] of batches.entries()) {
        if (resync && i > 0) {
          await expectSameWeights(b, a);
          b.setWeights(a.getWeights());
        }
        const expected = await single(a, o1, x, y);
        // After the first step (which creates Adam's moments), a step leaks nothing.
        const run = () => parallel(b, o2, x, y);
        const actual = i === 0 ? await run() : await withNoLeaks(run);
        expectSameResult(actual, expected);
      }
      expect(o2.step).toBe(2);
      // Weights and BatchNorm moving statistics.
      await expectSameWeights(b, a);
    } finally {
      tf.dispose(batches.flatMap((t) => [t.x, t.y]));
      [o1, o2, a, b].forEach((t) => t.dispose());
    }
  };

  // Synchronised BatchNorm (the default): the threads' parts of a batch are normalised together.
  // Its sums are combined in float64 from per-thread parts, the single thread's in float32
  // blocks: gradients agree to ~1e-5 relative, except where a sum nearly cancels (a bias
  // before a balanced loss), which Adam's g / (√v + ε) would amplify at ε = 1e-8. On these
  // tiny noise batches some BatchNorm channels are nearly constant, and a second step from
  // weights that differ by float rounding diverges (one thread's SIMD and tfjs-ops kernels
  // diverge the same way: a weight of conv2 ends at −0.0048 and +0.0016), so each step after
  // the first starts from the single-thread weights.
  test('sync: by default (one part per thread) a step equals one thread on the whole batch', async () => {
    await compareSteps(
      30,
      8,
      { learningRate: 0.01, epsilon: 1e-3 },
      (m, o, x, y) => trainStep(m, o, x, y),
      (m, o, x, y) => dp.trainStep(m, o, x, y),
      true,
    );
  });

  test('sync: an odd split (3 + 3 of 6, classes uneven per thread) equals the whole batch', async () => {
    await compareSteps(
      40,
      6,
      // The output bias's gradient nearly cancels here (~1e-7 apart): ε keeps Adam from
      // amplifying that tenfold.
      { learningRate: 0.01, epsilon: 1e-2 },
      (m, o, x, y) => trainStep(m, o, x, y),
      (m, o, x, y) => dp.trainStep(m, o, x, y),
      true,
    );
  });

  test('sync: micro-batches of 2 per thread (two rounds) equal one thread with micro-batches of 4', async () => {
    await compareSteps(
      50,
      8,
      { learningRate: 0.01, epsilon: 1e-3 },
      (m, o, x, y) => trainStep(m, o, x, y, { microBatchSize: 4 }),
      (m, o, x, y) => dp.trainStep(m, o, x, y, { microBatchSize: 2 }),
      true,
    );
  });

  test('sync differs from local (the check can fail): per-thread statistics give other weights', async () => {
    const a = buildPatchDiscriminator(MODEL, { seed: 60 });
    const b = buildPatchDiscriminator(MODEL, { seed: 60 });
    const [o1, o2] = [new Adam({ learningRate: 0.01 }), new Adam({ learningRate: 0.01 })];
    const { x, y } = batch(8, 61);
    try {
      await trainStep(a, o1, x, y);
      await local.trainStep(b, o2, x, y);
      await expect(expectSameWeights(b, a)).rejects.toThrow();
    } finally {
      tf.dispose([x, y]);
      [o1, o2, a, b].forEach((t) => t.dispose());
    }
  });

  // One micro-batch per thread sums exactly as one thread does; with more, the partial sums
  // are added in another order, and Adam's normalisation (g / (√v + ε)) amplifies that
  // rounding where a gradient nearly cancels, so those cases use an ε that keeps the update
  // smooth in the gradient.
  const cases = [
    { micro: 4, adam: { learningRate: 0.01 } },
    { micro: 2, adam: { learningRate: 0.01, epsilon: 1e-3 } },
  ] as const;
  for (const c of cases) {
    test(`local: trainStep equals single-thread trainStep (micro-batches of ${c.micro} in 8)`, async () => {
      await compareSteps(
        5,
        8,
        c.adam,
        (m, o, x, y) => trainStep(m, o, x, y, { microBatchSize: c.micro }),
        (m, o, x, y) => local.trainStep(m, o, x, y, { microBatchSize: c.micro }),
      );
    });
  }

  test('local: by default each thread gets one micro-batch of ⌈N / 2⌉ images', async () => {
    const single = buildPatchDiscriminator(MODEL, { seed: 6 });
    const parallel = buildPatchDiscriminator(MODEL, { seed: 6 });
    const [o1, o2] = [new Adam(), new Adam()];
    const { x, y } = batch(4, 3);
    try {
      const expected = await trainStep(single, o1, x, y, { microBatchSize: 2 });
      expectSameResult(await local.trainStep(parallel, o2, x, y), expected);
      await expectSameWeights(parallel, single);
    } finally {
      tf.dispose([x, y]);
      [o1, o2, single, parallel].forEach((t) => t.dispose());
    }
  });

  test('predict (BatchNorm folded or not) and evalStep equal the single-thread ones (uneven split)', async () => {
    const model = buildPatchDiscriminator(MODEL, { seed: 7 });
    const { x, y } = batch(5, 4);
    try {
      const expected = tf.tidy(() => model.predict(x) as tf.Tensor);
      await withNoLeaks(async () => {
        const logits = await dp.predict(model, x, { batchSize: 2 });
        try {
          expect(logits.shape).toEqual(expected.shape);
          expectArrayClose(await logits.data(), await expected.data(), { atol: 1e-5, rtol: 1e-4 });
        } finally {
          logits.dispose();
        }
        // Without BatchNorm folding every thread runs model.predict itself: the same numbers.
        const unfolded = await dp.predict(model, x, { batchSize: 2, foldBatchNorm: false });
        try {
          expect(Array.from(await unfolded.data())).toEqual(Array.from(await expected.data()));
        } finally {
          unfolded.dispose();
        }
      });
      expected.dispose();
      const ev = await withNoLeaks(() => dp.evalStep(model, x, y));
      expectSameResult(ev, await evalStep(model, x, y));
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  test('predict follows the weights: folded models and replicas are refreshed when they change', async () => {
    const model = buildPatchDiscriminator(MODEL, { seed: 11 });
    const { x, y } = batch(4, 12);
    const optimizer = new Adam();
    const check = async () => {
      const expected = tf.tidy(() => model.predict(x) as tf.Tensor);
      const logits = await dp.predict(model, x, { batchSize: 2 });
      try {
        expectArrayClose(await logits.data(), await expected.data(), { atol: 1e-5, rtol: 1e-4 });
      } finally {
        tf.dispose([logits, expected]);
      }
    };
    try {
      await check();
      await check(); // the cached folds and replica weights
      await dp.trainStep(model, optimizer, x, y); // changes the weights
      await check();
      // A change to BatchNorm's moving statistics alone (not trainable) is seen too.
      const bn = model.weights.find((w) => w.originalName.endsWith('moving_mean'))!;
      bn.write(tf.fill(bn.shape as number[], 0.25));
      await check();
    } finally {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    }
  });

  test('recalibrateBatchNorm equals the single-thread one', async () => {
    const single = buildPatchDiscriminator(MODEL, { seed: 8 });
    const parallel = buildPatchDiscriminator(MODEL, { seed: 8 });
    const batches = [batch(4, 5).x, batch(4, 6).x, batch(2, 7).x];
    try {
      await recalibrateBatchNorm(single, batches);
      await withNoLeaks(() => dp.recalibrateBatchNorm(parallel, batches));
      await expectSameWeights(parallel, single);
    } finally {
      tf.dispose(batches);
      single.dispose();
      parallel.dispose();
    }
  });

  test('trainPatchDiscriminator with steps: dp trains as on one thread', async () => {
    const source = (): BatchSource => ({
      async *trainEpoch(_epoch, start) {
        for (let b = start; b < 2; b++) {
          const { x, y } = batch(4, 10 + b);
          yield { images: x, labels: y };
        }
      },
      async *val() {
        const { x, y } = batch(4, 20);
        yield { images: x, labels: y };
      },
    });
    // On one thread the whole batch of 4; with dp, 2 per thread, normalised together.
    const run = async (steps?: DataParallel) => {
      const model = buildPatchDiscriminator(MODEL, { seed: 9 });
      const logs: EpochLog[] = [];
      await trainPatchDiscriminator(
        {
          model,
          data: source(),
          steps,
          config: {
            maxSteps: 2,
            microBatchSize: steps ? 2 : null,
            preciseBnBatches: 2,
            adam: { epsilon: 1e-3 },
          },
        },
        { onEpochEnd: (l) => void logs.push(l) },
      );
      return { model, log: logs[0] };
    };
    const a = await run();
    const before = tf.memory().numTensors;
    const b = await run(dp);
    try {
      // The only tensors left are the new model's weights.
      expect(tf.memory().numTensors - before).toBe(b.model.weights.length);
      expectSameResult(b.log.train, a.log.train);
      expectSameResult(b.log.val, a.log.val);
      await expectSameWeights(b.model, a.model);
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });

  test('a worker error rejects the step with the worker and the cause; nothing changes', async () => {
    // Metadata that does not describe the model: the worker builds a different replica.
    const model = buildPatchDiscriminator(MODEL, { seed: 1 });
    const other = MODEL === 'xception_relu1' ? 'xception_relu2' : 'xception_block2';
    model.setUserDefinedMetadata({
      patchfx: { whichModelNetD: other, config: resolveModelConfig(other) },
    });
    const optimizer = new Adam();
    const { x, y } = batch(4, 11);
    try {
      const before = await Promise.all(model.weights.map((w) => w.read().data()));
      await withNoLeaks(async () => {
        await expect(dp.trainStep(model, optimizer, x, y)).rejects.toThrow(
          /^data-parallel worker 1 failed: the replica of '.*' has \d+ weights, the model sent \d+/,
        );
      });
      expect(optimizer.step).toBe(0);
      const after = await Promise.all(model.weights.map((w) => w.read().data()));
      after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(before[i])));
      // The worker is still alive: the next step of a sound model works.
      const good = buildPatchDiscriminator(MODEL);
      try {
        const r = await dp.trainStep(good, optimizer, x, y);
        expect(r.n).toBe(4);
      } finally {
        good.dispose();
      }
    } finally {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    }
  });

  test('a model without patchfx metadata is refused', async () => {
    const model = buildPatchDiscriminator(MODEL);
    model.setUserDefinedMetadata({});
    const { x } = batch(2, 12);
    try {
      await expect(dp.predict(model, x)).rejects.toThrow(/has none; build it with/);
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});

describe('data-parallel with workers: 1', () => {
  test('starts no thread and equals the single-thread functions', async () => {
    const dp = await createDataParallel({ workers: 1 });
    const a = buildPatchDiscriminator(MODEL, { seed: 2 });
    const b = buildPatchDiscriminator(MODEL, { seed: 2 });
    const [o1, o2] = [new Adam(), new Adam()];
    const { x, y } = batch(4, 13);
    try {
      expect(dp.config.workers).toBe(1);
      expectSameResult(await dp.trainStep(b, o2, x, y), await trainStep(a, o1, x, y));
      await expectSameWeights(b, a);
    } finally {
      await dp.dispose();
      tf.dispose([x, y]);
      [o1, o2, a, b].forEach((t) => t.dispose());
    }
  });
});

describe('data-parallel worker failures', () => {
  const fixture = (name: string) => ({
    url: new URL(`./fixtures/data-parallel/${name}`, import.meta.url),
    typescript: false,
  });

  test('a worker that cannot start rejects creation, naming it and the cause', async () => {
    await expect(createDataParallelWith({ workers: 2 }, fixture('fail-start.mjs'))).rejects.toThrow(
      /^data-parallel worker 1 failed to start: .*no backend here/,
    );
  });

  const cases = [
    {
      script: 'exit-on-job.mjs',
      message: /^data-parallel worker 1 exited unexpectedly with code 3/,
    },
    { script: 'throw-on-job.mjs', message: /^data-parallel worker 1 crashed: boom in the worker/ },
  ] as const;
  for (const c of cases) {
    test(`a worker that dies in a step rejects it (${c.script}); later calls too`, async () => {
      const dp = await createDataParallelWith({ workers: 2 }, fixture(c.script));
      const model = buildPatchDiscriminator(MODEL);
      const optimizer = new Adam();
      const { x, y } = batch(4, 14);
      try {
        await withNoLeaks(async () => {
          await expect(dp.trainStep(model, optimizer, x, y)).rejects.toThrow(c.message);
        });
        expect(optimizer.step).toBe(0);
        await expect(dp.predict(model, x)).rejects.toThrow(
          /^data-parallel worker 1 is not running \(.*\); dispose the trainer/,
        );
      } finally {
        await dp.dispose();
        tf.dispose([x, y]);
        optimizer.dispose();
        model.dispose();
      }
    });
  }

  test("workers start with the calling thread's SIMD-kernel setting", async () => {
    const model = buildPatchDiscriminator(MODEL);
    const { x } = batch(2, 16);
    try {
      for (const on of [false, true]) {
        setSimdKernelsEnabled(on);
        const dp = await createDataParallelWith({ workers: 2 }, fixture('echo-init.mjs'));
        try {
          await expect(dp.predict(model, x)).rejects.toThrow(`"simdKernels":${on}`);
        } finally {
          await dp.dispose();
        }
      }
    } finally {
      setSimdKernelsEnabled(true);
      x.dispose();
      model.dispose();
    }
  });

  test('dispose terminates the workers; later calls reject', async () => {
    const dp = await createDataParallelWith({ workers: 2 }, fixture('exit-on-job.mjs'));
    await dp.dispose();
    await dp.dispose(); // idempotent
    const model = buildPatchDiscriminator(MODEL);
    const { x } = batch(2, 15);
    try {
      await expect(dp.predict(model, x)).rejects.toThrow(/disposed/);
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
