/**
 * The method finds what was planted: with an xception_block2 trained by `npm run demo` on the
 * synthetic benchmark (fixture in fixtures/demo-xception-block2/, regenerate with the command in
 * fixtures/README.md), the most predictive patches of fresh synthetic test images are made of
 * traced pixels, and background — a planted part — leads the face-part histogram. (Hair does not
 * come second: under the reference's rule, which divides by each part's area, windows at the
 * bottom corners go to the compact clothes region rather than to the large background.)
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readGroundTruth, synthesizeDataset } from '@patchfx/data/node';
import { patchWindow } from '@patchfx/models';
import { readNpy } from '@patchfx/viz/node';
import { makeTempDir } from '@patchfx/test-utils';
import { parseClusterCounts } from '@patchfx/viz';
import { runProgram } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'demo-xception-block2');

describe('face-part attribution on the synthetic benchmark (issue 7)', () => {
  test('the most predictive patches are traced pixels; background leads the part histogram', async () => {
    const { dir, remove } = makeTempDir();
    try {
      // Fresh images (another seed than the fixture model's training data), same generator settings.
      await synthesizeDataset({
        root: join(dir, 'data'),
        count: 100,
        size: 128,
        seed: 7,
        strength: 3,
      });
      const run = join(dir, 'ck', 'demo');
      cpSync(FIXTURE, run, { recursive: true });
      const results = join(dir, 'res');
      const common = [
        '--train_config',
        join(run, 'opt.yml'),
        '--checkpoints_dir',
        join(dir, 'ck'),
        '--name',
        'demo',
        '--results_dir',
        results,
        '--partition',
        'test',
        '--dataset_name',
        'synthetic',
        '--real_im_path',
        join(dir, 'data', 'real', 'test'),
        '--fake_im_path',
        join(dir, 'data', 'fake', 'test'),
        '--backend',
        'wasm',
      ];
      const p = await runProgram('patches', [...common, '--topn', '10000', '--unique']);
      expect(p.stderr).toBe('');
      const patches = join(
        results,
        'demo',
        'test',
        'epoch_bestval',
        'synthetic',
        'patches_top10000',
      );
      const s = await runProgram('segment', [
        patches,
        '--segmenter',
        'label-maps',
        '--backend',
        'wasm',
      ]);
      expect(s.stderr).toBe('');
      const read = (subset: string, file: string) =>
        parseClusterCounts(
          readFileSync(join(patches, 'clusters', `${subset}_clusters`, file), 'utf8'),
        );
      const sum = (a: Record<string, number>, b: Record<string, number>) => {
        const out: Record<string, number> = { ...a };
        for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
        return out;
      };
      const top = sum(read('reals', 'counts.txt'), read('fakes', 'counts.txt'));
      const random = sum(read('reals', 'baseline.txt'), read('fakes', 'baseline.txt'));
      const ranked = Object.entries(top)
        .sort((a, b) => b[1] - a[1])
        .map(([k]) => k);
      // Background, a planted part, is the most frequent part of the most predictive patches.
      expect(ranked[0]).toBe('background');
      expect(top.background).toBeGreaterThanOrEqual(random.background ?? 0);
      // Ground truth, independent of the part-assignment rule: the fakes' most predictive patch
      // windows are made of traced pixels far more than random windows of the same images are.
      const meta = JSON.parse(readFileSync(join(patches, 'fakes_easiest.json'), 'utf8')) as {
        rf: number;
        jump: number;
        offset: number;
        finesize: number;
        outsize: [number, number];
      };
      const files = readFileSync(join(patches, 'fakes_easiest_files.txt'), 'utf8')
        .trim()
        .split('\n');
      const pos = readNpy(join(patches, 'fakes_easiest.pos.npy')).data as Int32Array;
      const n = meta.finesize;
      const traced = (trace: Uint8Array, i: number, j: number) => {
        const w = patchWindow(meta, i, j, n);
        let t = 0;
        for (let y = w.top; y < w.bottom; y++)
          for (let x = w.left; x < w.right; x++) t += trace[y * n + x];
        return t / ((w.bottom - w.top) * (w.right - w.left));
      };
      let topFraction = 0;
      let randomFraction = 0;
      const [H, W] = meta.outsize;
      for (let k = 0; k < files.length; k++) {
        const { trace } = await readGroundTruth(files[k]);
        topFraction += traced(trace!, pos[2 * k], pos[2 * k + 1]) / files.length;
        let all = 0;
        for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) all += traced(trace!, i, j);
        randomFraction += all / (H * W) / files.length;
      }
      expect(topFraction).toBeGreaterThan(0.6);
      expect(topFraction).toBeGreaterThan(randomFraction);
    } finally {
      remove();
    }
  });
});
