import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { readNpy } from '@patchfx/viz/node';
import { BoundedMinHeap, cutPatch, selectPatches } from '../patches/src/patches.js';
import { TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

describe('patches: selection and cutting (spec §6)', () => {
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

  test('end to end: one patch per image, sorted ascending, files and arrays consistent', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const data = writeToyDataset(join(dir, 'data'), { perSplit: 5 });
      const t = await runProgram('train', [
        '--real_im_path',
        data.real,
        '--fake_im_path',
        data.fake,
        ...TINY_TRAIN,
        '--checkpoints_dir',
        join(dir, 'ck'),
        '--name',
        'p',
        '--max_steps',
        '2',
      ]);
      expect(t.code).toBe(0);
      const r = await runProgram('patches', [
        '--train_config',
        join(dir, 'ck', 'p', 'opt.yml'),
        '--partition',
        'test',
        '--dataset_name',
        'toy',
        '--real_im_path',
        join(data.real, 'test'),
        '--fake_im_path',
        join(data.fake, 'test'),
        '--results_dir',
        join(dir, 'res'),
        '--topn',
        '100',
        '--unique',
      ]);
      expect(r.stderr).toBe('');
      const out = join(dir, 'res', 'p', 'test', 'epoch_bestval', 'toy', 'patches_top100');
      const meta = JSON.parse(readFileSync(join(out, 'fakes_easiest.json'), 'utf8')) as {
        rf: number;
        count: number;
        outsize: number[];
      };
      expect(meta).toMatchObject({ rf: 7, count: 5, outsize: [13, 13] });
      const patch = readNpy(join(out, 'fakes_easiest.patch.npy'));
      expect(patch.shape).toEqual([5, 7, 7, 3]);
      const values = Array.from(readNpy(join(out, 'fakes_easiest.value.npy')).data as Float32Array);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(
        readFileSync(join(out, 'fakes_easiest_files.txt'), 'utf8').trim().split('\n'),
      ).toHaveLength(5);
      expect(existsSync(join(out, 'reals_easiest_grid.png'))).toBe(true);
    } finally {
      remove();
    }
  });
});
