import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { readNpy } from '@patchfx/viz/node';
import { TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

describe('patches program (spec §6)', () => {
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
