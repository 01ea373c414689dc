/**
 * convert writes the input size into the checkpoint itself (`checkpoint.json`), so the
 * converted folder runs at that size even when copied away from its `opt.yml`.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadDetectorFromPath } from '@patchfx/models/node';
import { makeTempDir } from '@patchfx/test-utils';
import { ROOT, runProgram } from './helpers.js';

const PTH = join(ROOT, 'packages/models/test/fixtures/torch/xception_block1.pth');

describe('convert records the preprocessing', () => {
  test('given sizes and the reference defaults go into checkpoint.json', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const given = await runProgram('convert', [
        PTH,
        '--which_model_netD',
        'xception_block1',
        '--out',
        join(dir, 'given'),
        '--loadSize',
        '40',
        '--fineSize',
        '36',
      ]);
      expect(given.stderr).toBe('');
      expect(given.code).toBe(0);
      expect(given.stdout).toMatch(
        /^preprocessing: loadSize 40, fineSize 36 \(--loadSize\/--fineSize\)$/m,
      );
      expect(given.stdout).toMatch(/^patch map: {3}9×9 at 40×40$/m);
      const manifest = JSON.parse(
        readFileSync(join(dir, 'given', 'bestval', 'checkpoint.json'), 'utf8'),
      );
      expect(manifest.preprocessing).toEqual({
        loadSize: 40,
        fineSize: 36,
        crop: 'center',
        resample: 'lanczos',
        normalization: { scale: 255, mean: 0.5, std: 0.5 },
      });
      cpSync(join(dir, 'given', 'bestval'), join(dir, 'alone'), { recursive: true });
      const warnings: string[] = [];
      const d = await loadDetectorFromPath(join(dir, 'alone'), {
        onWarning: (m) => warnings.push(m),
      });
      expect(d.sizes).toEqual({ loadSize: 40, fineSize: 36, sizeSource: 'checkpoint' });
      d.dispose();
      expect(warnings).toEqual([]);

      const byDefault = await runProgram('convert', [PTH, '--out', join(dir, 'default')]);
      expect(byDefault.code).toBe(0);
      expect(byDefault.stdout).toMatch(
        /^preprocessing: loadSize 299, fineSize 299 \(the reference scripts' size for xception_block1; set --loadSize\/--fineSize if it was trained at another\)$/m,
      );
      const m2 = JSON.parse(
        readFileSync(join(dir, 'default', 'bestval', 'checkpoint.json'), 'utf8'),
      );
      expect([m2.preprocessing.loadSize, m2.preprocessing.fineSize]).toEqual([299, 299]);

      const bad = await runProgram('convert', [PTH, '--out', join(dir, 'bad'), '--fineSize', '0']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--fineSize must be a positive integer, got 0/);
    } finally {
      remove();
    }
  });
});
