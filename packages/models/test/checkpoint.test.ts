import { spawn } from 'node:child_process';
import { existsSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, inject, test } from 'vitest';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator, disposeAdamState } from '../src/index.js';
import { Adam, trainStep } from '../src/train/index.js';
import { fileSystem, loadCheckpoint, saveCheckpoint } from '../src/node/index.js';
import { loadLayersModel } from '@tensorflow/tfjs-layers';

const backend = inject('backend');
const require = createRequire(import.meta.url);

function input(seed: number, n = 2, size = 32): tf.Tensor4D {
  return tf.tidy(() => tf.randomUniform([n, size, size, 3], -1, 1, 'float32', seed) as tf.Tensor4D);
}

describe(`checkpoints on ${backend}`, () => {
  test('a saved checkpoint reloads to identical logits', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('xception_block2', { seed: 4 });
    const x = input(1);
    try {
      await withNoLeaks(() =>
        saveCheckpoint(join(dir, 'latest'), { model, state: { epoch: 3, bestValMetric: 0.5 } }),
      );
      expect(readdirSync(join(dir, 'latest')).sort()).toEqual([
        'checkpoint.json',
        'model.json',
        'weights.bin',
      ]);
      const loaded = await loadCheckpoint(join(dir, 'latest'), {
        whichModelNetD: 'xception_block2',
      });
      expect(loaded.manifest.state).toEqual({ epoch: 3, bestValMetric: 0.5 });
      expect(loaded.metadata.whichModelNetD).toBe('xception_block2');
      expect(loaded.metadata.config.seed).toBe(4);
      const a = tf.tidy(() => model.predict(x) as tf.Tensor);
      const b = tf.tidy(() => loaded.model.predict(x) as tf.Tensor);
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([a, b]);
      loaded.model.dispose();
    } finally {
      x.dispose();
      model.dispose();
      remove();
    }
  });

  test('the fileSystem IOHandler round-trips through tf.loadLayersModel', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('resnet18_layer1');
    const x = input(2);
    try {
      await model.save(fileSystem(join(dir, 'm')));
      const back = await loadLayersModel(fileSystem(join(dir, 'm')));
      const a = tf.tidy(() => model.predict(x) as tf.Tensor);
      const b = tf.tidy(() => back.predict(x) as tf.Tensor);
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([a, b]);
      back.dispose();
    } finally {
      x.dispose();
      model.dispose();
      remove();
    }
  });

  test('loading into another architecture fails naming both', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('xception_block3');
    try {
      await saveCheckpoint(join(dir, 'bestval'), { model });
      await expect(
        loadCheckpoint(join(dir, 'bestval'), { whichModelNetD: 'xception_block2' }),
      ).rejects.toThrow(/holds a 'xception_block3' model, but 'xception_block2' was asked for/);
    } finally {
      model.dispose();
      remove();
    }
  });

  test('missing, truncated and damaged checkpoints give clear errors', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('xception_relu1');
    try {
      await expect(loadCheckpoint(join(dir, 'nope'))).rejects.toThrow(/no checkpoint at .*nope/);
      const ck = join(dir, 'latest');
      await saveCheckpoint(ck, { model });
      truncateSync(join(ck, 'weights.bin'), 10);
      await expect(loadCheckpoint(ck)).rejects.toThrow(
        /weights.bin has 10 bytes, expected \d+; the file is truncated/,
      );
      writeFileSync(join(ck, 'checkpoint.json'), '{not json');
      await expect(loadCheckpoint(ck)).rejects.toThrow(/checkpoint.json is not valid JSON/);
    } finally {
      model.dispose();
      remove();
    }
  });

  test('optimizer state round-trips: resuming equals training straight through', async () => {
    const { dir, remove } = makeTempDir();
    const x = input(3, 2);
    const y = tf.tensor1d([1, 0], 'int32');
    const a = buildPatchDiscriminator('xception_relu2', { seed: 9 });
    const b = buildPatchDiscriminator('xception_relu2', { seed: 9 });
    const oa = new Adam();
    const ob = new Adam();
    try {
      for (let i = 0; i < 3; i++) await trainStep(a, oa, x, y);
      await trainStep(b, ob, x, y);
      await saveCheckpoint(join(dir, 'latest'), { model: b, optimizer: ob, state: { step: 1 } });
      const loaded = await loadCheckpoint(join(dir, 'latest'), { withOptimizer: true });
      const oc = new Adam();
      oc.setState(loaded.optimizerState!);
      disposeAdamState(loaded.optimizerState);
      expect(oc.step).toBe(1);
      for (let i = 0; i < 2; i++) await trainStep(loaded.model, oc, x, y);
      const wa = a.getWeights();
      const wc = loaded.model.getWeights();
      for (let i = 0; i < wa.length; i++) {
        expect(Array.from(await wc[i].data())).toEqual(Array.from(await wa[i].data()));
      }
      oc.dispose();
      loaded.model.dispose();
    } finally {
      tf.dispose([x, y]);
      [oa, ob].forEach((o) => o.dispose());
      [a, b].forEach((m) => m.dispose());
      remove();
    }
  });

  test.skipIf(backend !== 'cpu')(
    'a save killed at any moment (kill -9) leaves a loadable checkpoint',
    async () => {
      const { dir, remove } = makeTempDir();
      const ck = join(dir, 'latest');
      const tsx = require.resolve('tsx');
      try {
        for (let round = 0; round < 4; round++) {
          const child = spawn(
            process.execPath,
            [
              '--conditions=@patchfx/source',
              '--import',
              tsx,
              join(import.meta.dirname, 'helpers/save-loop.ts'),
              ck,
            ],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let saves = 0;
          await new Promise<void>((resolve, reject) => {
            const target = 2 + round; // kill after a varying number of completed saves, mid-save
            child.stdout.on('data', (d: Buffer) => {
              saves += (d.toString().match(/saved/g) ?? []).length;
              if (saves >= target) setTimeout(() => child.kill('SIGKILL'), 5 + 17 * round);
            });
            child.on('exit', () => resolve());
            child.on('error', reject);
          });
          expect(saves).toBeGreaterThanOrEqual(2);
          const loaded = await loadCheckpoint(ck, { whichModelNetD: 'xception_block2' });
          const k = loaded.manifest.state.k as number;
          expect(k).toBeGreaterThanOrEqual(saves - 1);
          // Every weight holds the value of one and the same save: no mix of two saves.
          const values = new Set<number>();
          for (const w of loaded.model.getWeights()) for (const v of await w.data()) values.add(v);
          expect([...values]).toEqual([k]);
          loaded.model.dispose();
        }
        expect(existsSync(ck) || readdirSync(dir).some((e) => e.startsWith('.latest.old-'))).toBe(
          true,
        );
      } finally {
        remove();
      }
    },
  );
});
