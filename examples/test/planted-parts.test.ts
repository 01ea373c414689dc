/**
 * The method finds what was planted: with an xception_block1 trained by `npm run demo --
 * --which_model_netD xception_block1 --zoom 1.5` on the synthetic benchmark (fixture in
 * fixtures/demo-xception-block1-zoom1.5/, regenerate with the command in fixtures/README.md), the
 * most predictive patches of the held-out test images of the same generator are made of traced
 * pixels, and the two planted parts — background and hair — lead the face-part histogram, each
 * well above its random-patch baseline.
 *
 * Why block1 at 128 px: its window (RF 19) is the same fraction of the image (0.15) as the
 * paper's block2 at 299 px (RF 43). Why `zoom: 1.5`: at the default head-and-shoulders framing
 * background is 72 % of every image, so random windows already fall in it nearly as often as the
 * most predictive ones can (measured: 132 top vs 136 random); framed closer, as the method's
 * aligned face crops are, background is 56 % and hair 20 % of the pixels, and both parts can
 * show how far the model prefers them.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { patchWindow } from '@patchfx/models';
import { readNpy } from '@patchfx/viz/node';
import { parseClusterCounts } from '@patchfx/segment';
import { readGroundTruth, synthesizeDataset } from '@patchfx/segment/node';
import { makeTempDir } from '@patchfx/test-utils';
import { runProgram } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'demo-xception-block1-zoom1.5');

describe('face-part attribution on the synthetic benchmark (issue 7)', () => {
  test('the most predictive patches are traced pixels; background and hair lead the part histogram, well above random', async () => {
    const { dir, remove } = makeTempDir();
    try {
      // The fixture's set (the seed is the generator: another seed is another, unseen generator);
      // only its held-out test split (images 480–599 of each class) is used below.
      await synthesizeDataset({
        root: join(dir, 'data'),
        count: 600,
        size: 128,
        seed: 0,
        strength: 3,
        zoom: 1.5,
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
      // The planted parts are the two most frequent parts of the most predictive patches, each
      // well above its random-patch baseline (measured: background 152 vs 105, hair 64 vs 44),
      // and together they hold nearly all of them (216 of 240 vs 149 of 240 random).
      expect(ranked.slice(0, 2).sort()).toEqual(['background', 'hair']);
      expect(top.background).toBeGreaterThan(1.3 * random.background);
      expect(top.hair).toBeGreaterThan(1.3 * random.hair);
      const total = Object.values(top).reduce((a, b) => a + b, 0);
      expect(total).toBe(240);
      expect(top.background + top.hair).toBeGreaterThan(0.85 * total);
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
      // Measured: 0.973 of the top windows' pixels are traced, 0.753 of random windows'.
      expect(topFraction).toBeGreaterThan(0.9);
      expect(topFraction).toBeGreaterThan(randomFraction + 0.1);
    } finally {
      remove();
    }
  });
});
