/**
 * `npm run fidelity`: both sides end to end (real PyTorch, Debian's python3-torch), the PyTorch
 * trainer fed exactly the batches the train program's data source gives, the report's numbers
 * against an independent computation, and bad inputs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { discoverPairedSplit } from '@patchfx/data/node';
import { buildPatchDiscriminator, resolveModelConfig } from '@patchfx/models';
import { pairedSource, saveSafetensorsFile } from '@patchfx/models/node';
import { batchHash, planSource, type BatchPlanOptions } from '../fidelity/src/batches.js';
import { runTorchTrainer } from '../fidelity/src/torch-side.js';
import { runProgram, writeToyDataset } from './helpers.js';

const PYTHON = '/usr/bin/python3';

describe('fidelity program', () => {
  test('the PyTorch trainer trains on exactly the batches of the train program’s data source, from patchfx’s initial weights', async () => {
    const { dir, remove } = makeTempDir();
    try {
      // Unequal sides (the smaller cycles), random crops and flips: every decision shows.
      const { real, fake } = writeToyDataset(join(dir, 'data'), { perSplit: 5 });
      const [train, val] = await Promise.all(
        (['train', 'val'] as const).map((p) => discoverPairedSplit(real, fake, p)),
      );
      const options: BatchPlanOptions = {
        train: { real: train.real.slice(0, 3), fake: train.fake },
        val,
        transform: { loadSize: 36, fineSize: 32, patchModel: true, randomCrop: true },
        batchSize: 4,
        seed: 7,
        noSerialBatches: false,
        fakeClassId: 0,
      };
      const result = await withNoLeaks(async () => {
        // --same_init: PyTorch loads patchfx's initial network (strict load: every key and shape).
        const init = buildPatchDiscriminator(resolveModelConfig('xception_relu1', { seed: 7 }));
        await saveSafetensorsFile(join(dir, 'init.safetensors'), init);
        init.dispose();
        const source = planSource(options, () => {});
        try {
          return await runTorchTrainer(
            PYTHON,
            {
              which_model_netD: 'xception_relu1',
              seed: 7,
              init_type: 'xavier',
              lr: 0.001,
              beta1: 0.9,
              lr_policy: 'constant',
              patience: 0,
              max_epochs: 1,
              fake_class_id: 0,
              out: join(dir, 'pth'),
              threads: 1,
              hashes: true,
              init_from: join(dir, 'init.safetensors'),
            },
            source,
            dir,
          );
        } finally {
          await source.close();
        }
      });
      expect(result.epochs.length).toBeGreaterThanOrEqual(2);
      // What Python hashed after normalising the bytes = what the source gave as floats.
      expect(result.epochs.map((e) => e.batch_sha256)).toEqual(result.served);
      // And the train program's source (as `npm run train` builds it, with loader threads).
      const trainSource = pairedSource({
        ...options,
        workers: 2,
        skipBadFiles: false,
        onWarning: () => {},
      });
      try {
        for (const [epoch, hashes] of result.served.entries()) {
          const mine: string[] = [];
          for await (const b of trainSource.trainEpoch(epoch, 0)) {
            mine.push(await batchHash(b));
            b.images.dispose();
            b.labels.dispose();
          }
          expect(hashes).toEqual(mine);
        }
      } finally {
        await trainSource.close();
      }
      expect(new Set(result.served.flat()).size).toBe(result.served.flat().length);
      expect(readFileSync(join(dir, 'pth', 'latest_net_D.pth')).length).toBeGreaterThan(1000);
    } finally {
      remove();
    }
  }, 120_000);

  test('trains both sides for two seeds (--same_init: the same first loss); the report agrees with the files and with numpy', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'));
      const extra = writeToyDataset(join(dir, 'extra'), { perSplit: 3 });
      const out = join(dir, 'out');
      const r = await runProgram('fidelity', [
        '--real_im_path',
        real,
        '--fake_im_path',
        fake,
        '--test_pairs',
        `toy2=${join(extra.real, 'test')}:${join(extra.fake, 'test')}`,
        '--which_model_netD',
        'xception_relu1',
        '--loadSize',
        '32',
        '--fineSize',
        '32',
        '--batch_size',
        '4',
        '--max_epochs',
        '0',
        '--patience',
        '0',
        '--seeds',
        '0,1',
        '--backend',
        'cpu',
        '--torch_threads',
        '1',
        '--same_init',
        '--out',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      type Side = {
        testAp: Record<string, number>;
        checkpoint: string;
        curve: unknown[];
        trainLoss: number[];
      };
      const report = JSON.parse(readFileSync(join(out, 'fidelity.json'), 'utf8')) as {
        testSets: string[];
        seeds: Array<{
          seed: number;
          patchfx: Side;
          torch: Side;
        }>;
        summary: Array<{
          testSet: string;
          patchfx: { mean: number; std: number };
          torch: { mean: number; std: number };
          difference: { mean: number; lo: number; hi: number };
        }>;
      };
      expect(report.testSets).toEqual(['test', 'toy2']);
      // Same initial network, same first batch: the same first training loss on both sides.
      for (const s of report.seeds) {
        expect(s.patchfx.trainLoss.length).toBeGreaterThan(1);
        expect(s.torch.trainLoss[0]).toBeCloseTo(s.patchfx.trainLoss[0], 5);
      }
      expect(report.seeds[0].patchfx.trainLoss[0]).not.toBe(report.seeds[1].patchfx.trainLoss[0]);
      // Per-seed AP = what `npm run evaluate` wrote for that run and test set.
      for (const s of report.seeds)
        for (const side of ['patchfx', 'torch'] as const) {
          expect(s[side].curve.length).toBeGreaterThan(0);
          for (const set of report.testSets) {
            const file = join(
              out,
              'results',
              `${side}_seed${s.seed}`,
              'all',
              `epoch_${s[side].checkpoint}`,
              set,
              'metrics_avg_after_softmax.json',
            );
            const m = JSON.parse(readFileSync(file, 'utf8')) as { ap: number };
            expect(s[side].testAp[set]).toBe(m.ap);
          }
        }
      // Mean, sample std and the 95 % t-interval recomputed by numpy (df 1: t = tan(0.475π)).
      const script = `
import json, math, sys
import numpy as np
r = json.load(open(sys.argv[1]))
sets = r['testSets']
out = []
for row in r['summary']:
    def ap(side, s):
        v = side['testAp']
        return np.mean([v[k] for k in sets]) if row['testSet'] == 'mean of test sets' else v[row['testSet']]
    p = np.array([ap(s['patchfx'], s) for s in r['seeds']])
    t = np.array([ap(s['torch'], s) for s in r['seeds']])
    d = p - t
    half = math.tan(math.pi * 0.475) * d.std(ddof=1) / math.sqrt(len(d))
    out.append([p.mean(), p.std(ddof=1), t.mean(), t.std(ddof=1), d.mean(), d.mean() - half, d.mean() + half])
print(json.dumps(out))
`;
      const py = spawnSync(PYTHON, ['-c', script, join(out, 'fidelity.json')], {
        encoding: 'utf8',
      });
      expect(py.status, py.stderr).toBe(0);
      const expected = JSON.parse(py.stdout) as number[][];
      expect(report.summary.map((s) => s.testSet)).toEqual(['test', 'toy2', 'mean of test sets']);
      report.summary.forEach((s, i) => {
        const got = [
          s.patchfx.mean,
          s.patchfx.std,
          s.torch.mean,
          s.torch.std,
          s.difference.mean,
          s.difference.lo,
          s.difference.hi,
        ];
        got.forEach((v, k) => expect(v).toBeCloseTo(expected[i][k], 9));
      });
      const md = readFileSync(join(out, 'fidelity.md'), 'utf8');
      const first = report.summary[0];
      expect(md).toContain(
        `| test | ${first.patchfx.mean.toFixed(3)} ± ${first.patchfx.std.toFixed(3)} | ${first.torch.mean.toFixed(3)} ± ${first.torch.std.toFixed(3)} |`,
      );
      expect(r.stdout).toContain(md.trim().split('\n')[0]);
    } finally {
      remove();
    }
  }, 300_000);

  test('a missing folder and a Python without torch give errors that say what to do', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'));
      const common = [
        '--which_model_netD',
        'xception_relu1',
        '--loadSize',
        '32',
        '--fineSize',
        '32',
      ];
      const missing = await runProgram('fidelity', [
        '--real_im_path',
        join(dir, 'nowhere'),
        '--fake_im_path',
        fake,
        ...common,
      ]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain(join(dir, 'nowhere'));
      const badPair = await runProgram('fidelity', [
        '--real_im_path',
        real,
        '--fake_im_path',
        fake,
        '--test_pairs',
        `x=${join(dir, 'gone')}:${fake}`,
        ...common,
      ]);
      expect(badPair.code).not.toBe(0);
      expect(badPair.stderr).toMatch(/test folder '.*gone' \(test set 'x'\) does not exist/);
      // A real Python that cannot import torch: Debian's, without its site packages.
      const noTorch = join(dir, 'python-no-torch');
      writeFileSync(noTorch, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
      chmodSync(noTorch, 0o755);
      const r = await runProgram('fidelity', [
        '--real_im_path',
        real,
        '--fake_im_path',
        fake,
        '--python',
        noTorch,
        ...common,
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('apt-get install python3-torch');
      expect(r.stderr).toContain(noTorch);
    } finally {
      remove();
    }
  }, 120_000);
});
