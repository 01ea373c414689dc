/**
 * BatchNorm folding for inference: the folded model gives what `model.apply(x, {training:false})`
 * gives, on every kind of block the builder makes, with BatchNorms that have non-trivial
 * statistics; leaves the model untouched, leaks nothing, and frees its weights on dispose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, layers, model as functionalModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { describe, expect, inject, test } from 'vitest';
import { relativeError, withNoLeaks } from '@patchfx/test-utils';
import {
  BatchNorm,
  buildPatchDiscriminator,
  Conv2d,
  foldBatchNorm,
  SeparableConv2d,
  type FoldedModel,
} from '../src/index.js';

const backend = inject('backend');

/** Gives every BatchNorm of `model` random γ, β, moving mean and moving variance (seeded). */
function randomizeBatchNorms(model: LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== BatchNorm.className) continue;
    const c = layer.weights[0].shape[0]!;
    setWeights(
      layer,
      [
        [0.5, 1.5], // γ
        [-0.5, 0.5], // β
        [-0.3, 0.3], // μ
        [0.5, 2], // σ²
      ].map(([lo, hi]) => tf.randomUniform([c], lo, hi, 'float32', s++)),
    );
  }
}

/** Sets a layer's weights to tensors made in `make` (then frees ours: the layer holds its own reference). */
function setWeights(layer: LayersModel['layers'][number], make: tf.Tensor[] | (() => tf.Tensor[])) {
  const ws = tf.tidy(() => (typeof make === 'function' ? make() : make));
  layer.setWeights(ws);
  tf.dispose(ws);
}

/** The reference: the model itself in inference mode. */
function reference(model: LayersModel, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor);
}

async function weightValues(model: LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => (await w.read().data()) as Float32Array));
}

/** Asserts the folded model matches the model and folded every BatchNorm. */
async function expectFoldedMatches(model: LayersModel, folded: FoldedModel, x: tf.Tensor4D) {
  const want = reference(model, x);
  const got = folded.predict(x);
  try {
    expect(got.shape).toEqual(want.shape);
    const [g, w] = [await got.data(), await want.data()];
    expect(relativeError(g, w)).toBeLessThan(1e-4);
    // Elementwise too, against the output's scale.
    const scale = Math.max(...Array.from(w, Math.abs));
    const worst = Math.max(...Array.from(g, (v, i) => Math.abs(v - w[i])));
    expect(worst / scale).toBeLessThan(1e-4);
  } finally {
    tf.dispose([got, want]);
  }
}

describe(`foldBatchNorm on ${backend}`, () => {
  const cases = [
    // [model, input size, batch, BatchNorms expected]
    ['xception_block1', 64, 2, 5],
    ['xception_block3', 64, 2, 11],
    ['resnet18_layer2', 48, 2, 10],
    ['resnet50_layer1', 48, 2, 11], // bottlenecks, downsample in the first block
    ['longxception', 48, 2, 14], // PixelBlocks: 1×1 separable convolutions
  ] as const;
  for (const [name, size, batch, bnCount] of cases) {
    test(`${name} @${size}: matches model.apply(x, {training: false}); no BatchNorm is left`, async () => {
      const model = buildPatchDiscriminator(name, { seed: 1, initType: 'kaiming' });
      randomizeBatchNorms(model, 10);
      const x = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
      const folded = foldBatchNorm(model);
      try {
        await expectFoldedMatches(model, folded, x);
        const bns = model.layers.filter((l) => l.getClassName() === BatchNorm.className);
        expect(bns.length).toBe(bnCount);
        const foldedSteps = folded.steps.filter((s) => s.kind !== 'layer');
        expect(foldedSteps.map((s) => s.layers[1]).sort()).toEqual(bns.map((l) => l.name).sort());
        for (const s of folded.steps.filter((st) => st.kind === 'layer')) {
          expect(model.getLayer(s.layers[0]).getClassName()).not.toBe(BatchNorm.className);
        }
      } finally {
        folded.dispose();
        x.dispose();
        model.dispose();
      }
    });
  }

  test('full-image models (xception, resnet18): global pooling and dense head run as they are', async () => {
    for (const name of ['resnet18', 'xception'] as const) {
      const model = buildPatchDiscriminator(name, { seed: 2, initType: 'kaiming' });
      randomizeBatchNorms(model, 20);
      // The dense head is zero-initialised: give it weights so the output depends on the trunk.
      const fc = model.getLayer('fc');
      setWeights(fc, () =>
        fc.weights.map((w, i) => tf.randomNormal(w.shape as number[], 0, 0.1, 'float32', i)),
      );
      const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
      const folded = foldBatchNorm(model);
      try {
        await expectFoldedMatches(model, folded, x);
        expect(folded.steps.some((s) => s.layers.includes('fc') && s.kind === 'layer')).toBe(true);
        const left = folded.steps.filter(
          (s) =>
            s.kind === 'layer' &&
            model.getLayer(s.layers[0]).getClassName() === BatchNorm.className,
        );
        expect(left).toEqual([]);
      } finally {
        folded.dispose();
        x.dispose();
        model.dispose();
      }
    }
  });

  test('ReLUs after folded BatchNorms run fused (and need not be)', async () => {
    const model = buildPatchDiscriminator('xception_block2', { seed: 3, initType: 'kaiming' });
    randomizeBatchNorms(model, 30);
    const x = tf.randomUniform([2, 48, 48, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const fused = foldBatchNorm(model);
    const unfused = foldBatchNorm(model, { fuseActivations: false });
    try {
      expect(fused.steps.slice(0, 2)).toEqual([
        { kind: 'conv', layers: ['conv1', 'bn1', 'relu1'] },
        { kind: 'conv', layers: ['conv2', 'bn2', 'relu2'] },
      ]);
      // block1.rep.1 (BN) → block1.rep.2 (ReLU) → block1.rep.3 (separable): fused.
      expect(fused.steps).toContainEqual({
        kind: 'separable',
        layers: ['block1.rep.0', 'block1.rep.1', 'block1.rep.2'],
      });
      // A ReLU after a residual add cannot be fused into a convolution.
      expect(fused.steps).toContainEqual({ kind: 'layer', layers: ['block2.rep.0'] });
      expect(unfused.steps.every((s) => s.kind === 'layer' || s.layers.length === 2)).toBe(true);
      await expectFoldedMatches(model, fused, x);
      await expectFoldedMatches(model, unfused, x);
    } finally {
      fused.dispose();
      unfused.dispose();
      x.dispose();
      model.dispose();
    }
  });

  test('leaves what it cannot fold as it is', async () => {
    // conv(bias) → BN → ReLU6 → BN → conv → {BN, add}: the first BN folds (ReLU6 is not fused),
    // the second follows no convolution, the third's convolution output is also read by add.
    const xIn = input({ shape: [null, null, 3], name: 'image' });
    const c1 = new Conv2d({ name: 'c1', filters: 4, kernelSize: 3, padding: 1, useBias: true });
    const b1 = new BatchNorm({ name: 'b1' });
    const r6 = layers.reLU({ name: 'r6', maxValue: 6 });
    const b2 = new BatchNorm({ name: 'b2', epsilon: 1e-3 });
    const c2 = new Conv2d({ name: 'c2', filters: 4, kernelSize: 1 });
    const b3 = new BatchNorm({ name: 'b3' });
    const s1 = new SeparableConv2d({ name: 's1', filters: 5, kernelSize: 3, padding: 1 });
    const apply = (l: { apply: (a: never) => unknown }, a: unknown) => l.apply(a as never) as never;
    const h = apply(c2, apply(b2, apply(r6, apply(b1, apply(c1, xIn)))));
    const y = apply(s1, apply(layers.add({ name: 'add' }), [apply(b3, h), h]));
    const model = functionalModel({ inputs: xIn, outputs: y, name: 'odd' });
    model.layers.forEach((l, k) =>
      setWeights(l, () =>
        l.weights.map((w, i) =>
          tf.randomUniform(w.shape as number[], -1, 1, 'float32', 40 + 4 * k + i),
        ),
      ),
    );
    randomizeBatchNorms(model, 50);
    const x = tf.randomUniform([2, 12, 12, 3], -1, 1, 'float32', 8) as tf.Tensor4D;
    const folded = foldBatchNorm(model);
    try {
      expect(folded.steps).toEqual([
        { kind: 'conv', layers: ['c1', 'b1'] },
        { kind: 'layer', layers: ['r6'] },
        { kind: 'layer', layers: ['b2'] },
        { kind: 'layer', layers: ['c2'] },
        { kind: 'layer', layers: ['b3'] },
        { kind: 'layer', layers: ['add'] },
        { kind: 'layer', layers: ['s1'] }, // no BatchNorm after it: runs as it is
      ]);
      await expectFoldedMatches(model, folded, x);
    } finally {
      folded.dispose();
      x.dispose();
      model.dispose();
    }
  });

  test('the model is untouched; nothing leaks; dispose frees the folded weights', async () => {
    const model = buildPatchDiscriminator('resnet18_layer1', { seed: 4, initType: 'kaiming' });
    randomizeBatchNorms(model, 60);
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    try {
      const before = await weightValues(model);
      const want = reference(model, x);
      const wantData = await want.data();
      want.dispose();
      await withNoLeaks(async () => {
        const start = tf.memory().numTensors;
        const folded = foldBatchNorm(model);
        expect(tf.memory().numTensors).toBeGreaterThan(start); // the folded weights
        const during = tf.memory().numTensors;
        const y = folded.predict(x);
        expect(tf.memory().numTensors).toBe(during + 1); // only the output
        y.dispose();
        folded.dispose();
        expect(tf.memory().numTensors).toBe(start);
        folded.dispose(); // twice: harmless
        expect(() => folded.predict(x)).toThrow(/disposed/);
      });
      const after = await weightValues(model);
      after.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i])));
      const again = reference(model, x);
      expect(Array.from(await again.data())).toEqual(Array.from(wantData));
      again.dispose();
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  test('the folded model is a snapshot: it outlives later changes to the folded layers', async () => {
    const model = buildPatchDiscriminator('xception_block1', { seed: 5, initType: 'kaiming' });
    randomizeBatchNorms(model, 70);
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 10) as tf.Tensor4D;
    const folded = foldBatchNorm(model);
    try {
      const y0 = folded.predict(x);
      const first = await y0.data();
      y0.dispose();
      randomizeBatchNorms(model, 80); // changes only layers that were folded
      const y1 = folded.predict(x);
      expect(Array.from(await y1.data())).toEqual(Array.from(first));
      const changed = reference(model, x);
      expect(relativeError(await changed.data(), first)).toBeGreaterThan(1e-2); // the model moved on
      tf.dispose([y1, changed]);
    } finally {
      folded.dispose();
      x.dispose();
      model.dispose();
    }
  });

  test('folding inside a tf.tidy: the folded weights belong to the folded model', async () => {
    const model = buildPatchDiscriminator('xception_block1', { seed: 6, initType: 'kaiming' });
    randomizeBatchNorms(model, 90);
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
    try {
      await withNoLeaks(async () => {
        let folded: FoldedModel | undefined;
        tf.tidy(() => {
          folded = foldBatchNorm(model);
        });
        try {
          await expectFoldedMatches(model, folded!, x);
        } finally {
          folded!.dispose();
        }
      });
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  test('bad inputs give clear errors', () => {
    const model = buildPatchDiscriminator('xception_relu1');
    const folded = foldBatchNorm(model);
    try {
      const x = tf.zeros([1, 16, 16, 4]) as tf.Tensor4D;
      expect(() => folded.predict(x)).toThrow(/x must be \[batch, h, w, 3\], got \[1, 16, 16, 4\]/);
      x.dispose();
    } finally {
      folded.dispose();
      model.dispose();
    }
  });
});
