import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, inject, test } from 'vitest';
import { withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator, outputSize } from '../src/index.js';
import { Adam, evalStep, trainStep } from '../src/train/index.js';

const backend = inject('backend');

/** Tiny: the pure-JS cpu backend is slow, so cpu runs the smallest input each net accepts. */
const SIZE = 32;
const BATCH = 2;

function batch(seed: number) {
  return tf.tidy(() => {
    const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], -1, 1, 'float32', seed) as tf.Tensor4D;
    const y = tf.tensor1d([1, 0], 'int32');
    return { x, y };
  });
}

const VARIANTS = [
  'xception_block1',
  'xception_block2',
  'xception_block3',
  'xception_block4',
  'xception_block5',
  'resnet18_layer1',
  'xception',
] as const;

/**
 * The pure-JS cpu backend (tiny tests only) takes one shallow and one deeper truncation of each
 * family: the deeper Xception blocks and the full network repeat the same layers and took
 * ~100 s there in CI; every backend that trains (wasm, tensorflow) runs them all.
 */
const CPU_VARIANTS: readonly string[] = ['xception_block1', 'xception_block2', 'resnet18_layer1'];

describe(`one forward + backward + Adam step on ${backend}`, () => {
  for (const name of backend === 'cpu' ? CPU_VARIANTS : VARIANTS) {
    test(name, async () => {
      const model = buildPatchDiscriminator(name);
      const opt = new Adam();
      const { x, y } = batch(1);
      try {
        const before = (await model.trainableWeights[0].read().data()).slice();
        // One step: the only tensors it may leave behind are Adam's two moments per weight.
        const count = tf.memory().numTensors;
        const result = await trainStep(model, opt, x, y);
        expect(tf.memory().numTensors - count).toBe(2 * model.trainableWeights.length);
        expect(Number.isFinite(result.loss)).toBe(true);
        expect(result.loss).toBeGreaterThan(0);
        expect(result.n).toBe(BATCH);
        for (const a of [result.raw, result.voted, result.avg]) {
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThanOrEqual(1);
        }
        const after = await model.trainableWeights[0].read().data();
        expect(after.some((v, i) => v !== before[i])).toBe(true);
        expect(opt.step).toBe(1);
        const ev = await withNoLeaks(() => evalStep(model, x, y));
        expect(Number.isFinite(ev.loss)).toBe(true);
      } finally {
        tf.dispose([x, y]);
        opt.dispose();
        model.dispose();
      }
    });
  }

  test('logits have the documented shape and channel count', () => {
    const model = buildPatchDiscriminator('xception_block2');
    const { x, y } = batch(2);
    try {
      const out = tf.tidy(() => model.predict(x) as tf.Tensor);
      expect(out.shape).toEqual([BATCH, ...outputSize(model, SIZE), 2]);
      out.dispose();
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  // Several steps: too slow for the pure-JS cpu backend.
  test.skipIf(backend === 'cpu')(
    'training lowers the loss on a separable toy problem',
    async () => {
      const model = buildPatchDiscriminator('xception_block1', { seed: 3 });
      const opt = new Adam({ learningRate: 0.01 });
      // Real images: smooth; fake images: a checkerboard added (a generator-like trace).
      const { x, y } = tf.tidy(() => {
        const base = tf.randomUniform([4, SIZE, SIZE, 3], -0.5, 0.5, 'float32', 7);
        const checker = tf.tensor(
          Array.from({ length: SIZE * SIZE }, (_, i) =>
            ((i % SIZE) + Math.floor(i / SIZE)) % 2 ? 0.4 : -0.4,
          ),
          [1, SIZE, SIZE, 1],
        );
        const fake = tf.add(tf.slice(base, [2, 0, 0, 0], [2, SIZE, SIZE, 3]), checker);
        const real = tf.slice(base, [0, 0, 0, 0], [2, SIZE, SIZE, 3]);
        return { x: tf.concat([real, fake]) as tf.Tensor4D, y: tf.tensor1d([1, 1, 0, 0], 'int32') };
      });
      try {
        const first = await trainStep(model, opt, x, y);
        let last = first;
        for (let i = 0; i < 6; i++) last = await trainStep(model, opt, x, y);
        expect(last.loss).toBeLessThan(first.loss);
      } finally {
        tf.dispose([x, y]);
        opt.dispose();
        model.dispose();
      }
    },
  );
});
