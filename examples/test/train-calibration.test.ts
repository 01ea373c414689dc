/**
 * What a trained run hands to an app: `bestval/` alone carries the run's preprocessing and a
 * calibration fitted on the validation split, so `loadDetectorFromPath` of it labels images
 * real / fake / unsure at the stated error rates and the report says what it was fitted on.
 */
import { cpSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useBackend } from '@patchfx/models/backend';
import { loadDetectorFromPath } from '@patchfx/models/node';
import { makeTempDir } from '@patchfx/test-utils';
import { TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

describe('train program: checkpoints an app can deploy', () => {
  test('bestval carries its preprocessing and a validation calibration', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'), { perSplit: 8 });
      const ck = join(dir, 'ck');
      const r = await runProgram('train', [
        '--real_im_path',
        real,
        '--fake_im_path',
        fake,
        ...TINY_TRAIN,
        '--max_epochs',
        '2',
        '--lr',
        '0.01',
        '--checkpoints_dir',
        ck,
        '--name',
        'cal',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /calibrated bestval: calibrated on the val split \(8 real \+ 8 fake images/,
      );
      expect(r.stdout).toMatch(/calibrated latest: /);
      const run = join(ck, 'cal');
      const manifest = JSON.parse(readFileSync(join(run, 'bestval', 'checkpoint.json'), 'utf8'));
      expect(manifest.preprocessing).toEqual({
        loadSize: 32,
        fineSize: 32,
        crop: 'center',
        resample: 'lanczos',
        normalization: { scale: 255, mean: 0.5, std: 0.5 },
      });
      expect(manifest.calibration).toMatchObject({
        targetFpr: 0.05,
        count: 8,
        band: { targetFnr: 0.05, fakeCount: 8 },
        fittedOn: {
          split: 'val',
          realFolder: join(real, 'val'),
          fakeFolder: join(fake, 'val'),
          checkpoint: 'bestval',
          model: 'xception_relu2',
        },
      });

      // The backend the run calibrated on: the same kernels give the same scores.
      await useBackend('wasm');
      // What an app deploys: bestval/ on its own.
      const alone = join(dir, 'app', 'model');
      cpSync(join(run, 'bestval'), alone, { recursive: true });
      const warnings: string[] = [];
      const inPlace = await loadDetectorFromPath(join(run, 'bestval'));
      const deployed = await loadDetectorFromPath(alone, { onWarning: (m) => warnings.push(m) });
      try {
        expect(deployed.sizes).toEqual({ loadSize: 32, fineSize: 32, sizeSource: 'checkpoint' });
        expect(inPlace.sizes).toEqual(deployed.sizes);
        expect(warnings).toEqual([]);
        const files = (cls: string, root: string) =>
          readdirSync(join(root, 'val'))
            .sort()
            .map((f) => ({ cls, file: join(root, 'val', f) }));
        const val = [...files('real', real), ...files('fake', fake)];
        const labels: string[] = [];
        for (const { cls, file } of val) {
          const a = await inPlace.detect(file);
          const b = await deployed.detect(file);
          expect(b.score).toBe(a.score);
          expect([b.patchMap!.height, b.patchMap!.width]).toEqual([
            a.patchMap!.height,
            a.patchMap!.width,
          ]);
          labels.push(`${cls}:${b.label}`);
        }
        // Calibrated labels, not the default band's 'unsure' for all; at these sizes (k = 0
        // allowed errors) no validation real is called fake and no fake real.
        expect(
          labels.some((l) => !l.endsWith('unsure')),
          labels.join(' '),
        ).toBe(true);
        expect(labels).not.toContain('real:fake');
        expect(labels).not.toContain('fake:real');
        const report = await deployed.report(val[0].file);
        expect(report.decision.calibration?.fittedOn?.split).toBe('val');
        expect(report.decision.abstainOddsRatio).toBeNull();
        expect(report.decision.summary).toMatch(
          /^calibrated on the val split \(8 real \+ 8 fake images from .*real\/val and .*fake\/val\) with bestval of xception_relu2 \(weights [0-9a-f]{12}…\) on \d{4}-\d\d-\d\dT.*'fake' at FPR ≤ 5 %/,
        );
      } finally {
        inPlace.dispose();
        deployed.dispose();
      }
    } finally {
      remove();
    }
  });
});
