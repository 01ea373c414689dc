/**
 * `@patchfx/models/evaluate` on real files: synthetic PNG folders, a small seeded model in
 * memory and saved as a checkpoint folder. Predictions, the metrics of every aggregation mode,
 * the top patches, errors and leaks.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodePng, resolveTransformConfig } from '@patchfx/data';
import { computeMetrics } from '@patchfx/metrics';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator, receptiveField } from '../src/index.js';
import { saveCheckpoint } from '../src/node/index.js';
import {
  collectTopPatches,
  cutPatch,
  evaluateFolders,
  predictFiles,
  prepareImage,
  probabilityMap,
  selectPatches,
  softmaxPair,
} from '../src/evaluate/index.js';
import { BoundedMinHeap } from '../src/evaluate/top-patches.js';

const SIZE = 32;
const tmp = makeTempDir();
const realDir = join(tmp.dir, 'data', 'real', 'test');
const fakeDir = join(tmp.dir, 'data', 'fake', 'test');
const checkpoint = join(tmp.dir, 'ck', 'bestval');
const transform = resolveTransformConfig({ loadSize: SIZE, fineSize: SIZE, patchModel: true });
let model: LayersModel;

const pngs = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => join(dir, f));

/** Three seeded 32-px PNGs; fakes carry a checkerboard. */
function writeImages(dir: string, fake: boolean): void {
  mkdirSync(dir, { recursive: true });
  let seed = fake ? 7 : 3;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 3; i++) {
    const data = new Uint8Array(SIZE * SIZE * 3);
    for (let k = 0; k < SIZE * SIZE; k++) {
      const trace = fake ? (((k % SIZE) + Math.floor(k / SIZE)) % 2 ? 30 : -30) : 0;
      const v = Math.max(0, Math.min(255, Math.round(80 + 60 * rand() + trace)));
      data.fill(v, 3 * k, 3 * k + 3);
    }
    writeFileSync(
      join(dir, `${i}.png`),
      encodePng({ data, width: SIZE, height: SIZE, channels: 3 }),
    );
  }
}

beforeAll(async () => {
  writeImages(realDir, false);
  writeImages(fakeDir, true);
  model = buildPatchDiscriminator('xception_relu2', { seed: 0 });
  await saveCheckpoint(checkpoint, { model });
}, 60_000);

afterAll(() => {
  model.dispose();
  tmp.remove();
});

describe('softmaxPair and probabilityMap', () => {
  test('match tf.softmax', async () => {
    const logits = new Float32Array([2, -1, 0.5, 0.5, -3, 4]);
    const expected = (await tf.softmax(tf.tensor2d(logits, [3, 2])).data()) as Float32Array;
    const [a, b] = softmaxPair(2, -1);
    expect(a + b).toBeCloseTo(1, 12);
    expect(a).toBeCloseTo(expected[0], 6);
    expect(Array.from(probabilityMap(logits, 1))).toEqual(
      Array.from([1, 3, 5], (i) => Math.fround(softmaxPair(logits[i - 1], logits[i])[1])),
    );
    expect(probabilityMap(logits, 0)[2]).toBeCloseTo(expected[4], 6);
    // No overflow for large logits.
    expect(softmaxPair(1000, 0)).toEqual([1, 0]);
  });
});

describe('predictFiles', () => {
  test('one prediction per file, in order, whatever the batch size; leak-free', async () => {
    const files = pngs(fakeDir);
    await withNoLeaks(async () => {
      const one = await predictFiles(model, files, { transform, label: 0, batchSize: 1 });
      const all = await predictFiles(model, files, { transform, label: 0, batchSize: 8 });
      expect(one.predictions.map((p) => p.path)).toEqual(files);
      expect(one.mapSize).toEqual([13, 13]);
      expect(one.predictions[0].logits.length).toBe(13 * 13 * 2);
      expect(all.predictions.map((p) => Array.from(p.logits))).toEqual(
        one.predictions.map((p) => Array.from(p.logits)),
      );
      expect(all.predictions.every((p) => p.label === 0)).toBe(true);
    });
  });

  test('an unreadable file throws, or is skipped with a warning', async () => {
    const dir = join(tmp.dir, 'bad');
    mkdirSync(dir, { recursive: true });
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not a png');
    const good = join(dir, 'good.png');
    copyFileSync(pngs(realDir)[0], good);
    await expect(predictFiles(model, [good, bad], { transform, label: 1 })).rejects.toThrow(
      /bad\.png/,
    );
    const warnings: string[] = [];
    const r = await predictFiles(model, [good, bad], {
      transform,
      label: 1,
      skipBadFiles: true,
      onWarning: (m) => warnings.push(m),
    });
    expect(r.predictions.map((p) => p.path)).toEqual([good]);
    expect(r.skipped).toEqual([bad]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^skipping '.*bad\.png'/);
    await expect(
      predictFiles(model, [good], { transform, label: 1, batchSize: 0 }),
    ).rejects.toThrow(/batchSize must be a whole number ≥ 1, got 0/);
  });
});

describe('evaluateFolders', () => {
  test('reals then fakes; the scores and metrics of every mode and of the patches', async () => {
    await withNoLeaks(async () => {
      const r = await evaluateFolders({
        realDir,
        fakeDir,
        model,
        transform: { loadSize: SIZE, fineSize: SIZE },
        batchSize: 2,
      });
      const files = [...pngs(realDir), ...pngs(fakeDir)];
      expect(r.predictions.map((p) => p.path)).toEqual(files);
      expect(r.predictions.map((p) => p.label)).toEqual([1, 1, 1, 0, 0, 0]);
      expect(r).toMatchObject({ whichModelNetD: 'xception_relu2', patchModel: true });
      expect(r.mapSize).toEqual([13, 13]);
      // after_softmax = the mean over the patches of each patch's softmax.
      r.predictions.forEach((p, i) => {
        const real = probabilityMap(p.logits, 1);
        const mean = real.reduce((a, b) => a + b, 0) / real.length;
        expect(r.scores.after_softmax[i][1]).toBeCloseTo(mean, 5);
      });
      const labels = r.predictions.map((p) => p.label);
      for (const mode of ['vote', 'before_softmax', 'after_softmax'] as const)
        expect(r.metrics[mode]).toEqual(computeMetrics(labels, r.scores[mode], { fakeClassId: 0 }));
      expect(r.patchMetrics?.n).toBe(6 * 13 * 13);
    });
    // The caller's model is still usable.
    expect(model.layers.length).toBeGreaterThan(0);
    tf.dispose(model.predict(tf.zeros([1, SIZE, SIZE, 3])) as tf.Tensor);
  });

  test('a checkpoint folder gives the scores of the model in memory (folded or not)', async () => {
    const options = { realDir, fakeDir, transform: { loadSize: SIZE, fineSize: SIZE } };
    const before = tf.memory().numTensors;
    const fromCheckpoint = await evaluateFolders({ ...options, model: checkpoint });
    const unfolded = await evaluateFolders({ ...options, model: checkpoint, foldBatchNorm: false });
    const inMemory = await evaluateFolders({ ...options, model, foldBatchNorm: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(unfolded.scores).toEqual(inMemory.scores);
    fromCheckpoint.scores.after_softmax.forEach((row, i) =>
      row.forEach((v, c) => expect(v).toBeCloseTo(unfolded.scores.after_softmax[i][c], 5)),
    );
  });

  test('a full-image model: its softmax under every mode, no patch metrics', async () => {
    const full = buildPatchDiscriminator('resnet18', { seed: 0 });
    try {
      const r = await evaluateFolders({
        realDir,
        fakeDir,
        model: full,
        transform: { loadSize: SIZE, fineSize: SIZE },
        fakeClassId: 1,
      });
      expect(r.patchModel).toBe(false);
      expect(r.mapSize).toBeNull();
      expect(r.patchMetrics).toBeNull();
      expect(r.predictions.map((p) => p.label)).toEqual([0, 0, 0, 1, 1, 1]);
      const p = r.predictions[0].logits;
      expect(r.scores.vote[0]).toEqual(softmaxPair(p[0], p[1]));
      expect(r.scores.vote).toBe(r.scores.after_softmax);
      expect(r.metrics.vote).toBe(r.metrics.after_softmax);
    } finally {
      full.dispose();
    }
  }, 60_000);

  test('clear errors: a missing folder, a checkpoint of another architecture', async () => {
    const missing = join(tmp.dir, 'nowhere');
    await expect(evaluateFolders({ realDir: missing, fakeDir, model })).rejects.toThrow(
      /image folder '.*nowhere' does not exist/,
    );
    await expect(evaluateFolders({ realDir, fakeDir: '', model })).rejects.toThrow(
      'evaluateFolders: give fakeDir, the folder of fake images',
    );
    await expect(
      evaluateFolders({ realDir, fakeDir, model: checkpoint, whichModelNetD: 'xception_block2' }),
    ).rejects.toThrow(/xception_block2/);
  });
});

describe('collectTopPatches', () => {
  test('the strongest patches of each class, ascending, with their pixels; one per image with perImage 1', async () => {
    const before = tf.memory().numTensors;
    const top = await collectTopPatches({
      realDir,
      fakeDir,
      model: checkpoint,
      size: SIZE,
      topn: 10,
      perImage: 1,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(top.geometry).toEqual(receptiveField(model));
    expect(top.mapSize).toEqual([13, 13]);
    for (const subset of ['reals', 'fakes'] as const) {
      const { candidates, pixels, imageCount } = top[subset];
      expect(imageCount).toBe(3);
      expect(candidates).toHaveLength(3);
      expect(new Set(candidates.map((c) => c.path)).size).toBe(3);
      const values = candidates.map((c) => c.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      const rf = top.geometry.rf;
      expect(pixels.length).toBe(3 * rf * rf * 3);
      const c = candidates[2];
      const im = await prepareImage(c.path, top.transform);
      const image = Float32Array.from(im.data, (v) => (v / 255 - 0.5) / 0.5);
      expect(pixels.slice(2 * rf * rf * 3)).toEqual(
        cutPatch(image, SIZE, top.geometry, c.pos[0], c.pos[1]),
      );
    }
    const many = await collectTopPatches({ realDir, fakeDir, model, size: SIZE, topn: 5 });
    expect(many.fakes.candidates).toHaveLength(5);
  });

  test('a full-image model is refused', async () => {
    const full = buildPatchDiscriminator('resnet18', { seed: 0 });
    try {
      await expect(
        collectTopPatches({ realDir, fakeDir, model: full, size: SIZE, topn: 1 }),
      ).rejects.toThrow(
        "collectTopPatches needs a patch model; 'resnet18' is a full-image classifier",
      );
    } finally {
      full.dispose();
    }
  });
});

describe('patch selection and cutting (spec §6)', () => {
  test('the bounded min-heap keeps the top n, ties by insertion order', () => {
    const h = new BoundedMinHeap(3);
    [0.5, 0.9, 0.1, 0.9, 0.7, 0.2].forEach((value, order) =>
      h.offer({ value, order, path: `${order}`, pos: [0, 0] }),
    );
    expect(h.sorted().map((c) => [c.value, c.order])).toEqual([
      [0.7, 4],
      [0.9, 1],
      [0.9, 3],
    ]);
  });

  test('a clipped window is padded with 0 and keeps its true offset', () => {
    // 4×4 image, rf 3, jump 1, offset −1: output (0, 0) sees rows/cols [−1, 2).
    const img = new Float32Array(4 * 4 * 3).map((_, k) => Math.floor(k / 3) + 1);
    const p = cutPatch(img, 4, { rf: 3, jump: 1, offset: -1 }, 0, 0);
    const ch0 = Array.from({ length: 9 }, (_, t) => p[t * 3]);
    expect(ch0).toEqual([0, 0, 0, 0, 1, 2, 0, 5, 6]);
    const last = cutPatch(img, 4, { rf: 3, jump: 1, offset: -1 }, 3, 3);
    expect(Array.from({ length: 9 }, (_, t) => last[t * 3])).toEqual([
      11, 12, 0, 15, 16, 0, 0, 0, 0,
    ]);
  });

  test('ties between patches are broken by a seeded random key (deterministic per seed)', () => {
    const logits = new Float32Array([0, 1, 0, 1, 0, 1, 0, 1]); // 2×2 map, all patches equal
    const preds = [{ path: 'a', label: 1, logits }];
    const a = selectPatches(preds, [2, 2], 1, 1, 0)[0].pos;
    expect(selectPatches(preds, [2, 2], 1, 1, 0)[0].pos).toEqual(a);
    const seen = new Set(
      Array.from({ length: 12 }, (_, s) => selectPatches(preds, [2, 2], 1, 1, s)[0].pos.join(',')),
    );
    expect(seen.size).toBeGreaterThan(1);
  });
});
