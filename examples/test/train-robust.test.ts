import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { ROOT, runProgram, writeToyDataset } from './helpers.js';

const TINY = [
  '--which_model_netD',
  'xception_relu2',
  '--loadSize',
  '32',
  '--fineSize',
  '32',
  '--batch_size',
  '4',
  '--backend',
  'wasm',
  '--quiet',
];

describe('train program: bad files', () => {
  test('a truncated PNG and an empty file stop every run with exit 1, naming the file and --skip_bad_files', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'));
      const good = readFileSync(join(real, 'train', 'real_train_0.png'));
      writeFileSync(join(real, 'train', 'cut.png'), good.subarray(0, good.length >> 1));
      writeFileSync(join(real, 'train', 'empty.png'), new Uint8Array(0));
      // Several runs, different seeds (the bad files land in different batches), two at a time.
      const runs = await Promise.all(
        [0, 1, 2, 3].map((seed) =>
          runProgram('train', [
            '--real_im_path',
            real,
            '--fake_im_path',
            fake,
            ...TINY,
            '--checkpoints_dir',
            join(dir, 'ck'),
            '--name',
            `bad${seed}`,
            '--seed',
            String(seed),
            '--max_steps',
            '6',
          ]),
        ),
      );
      for (const r of runs) {
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.stderr).toMatch(/^error: cannot decode '.*(cut|empty)\.png': .*--skip_bad_files/m);
      }
      for (const seed of [0, 1, 2, 3])
        expect(existsSync(join(dir, 'ck', `bad${seed}`, 'lockfile.pid'))).toBe(false);
    } finally {
      remove();
    }
  });
});

describe('runMain', () => {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const run = (mode: string) =>
    spawnSync(
      process.execPath,
      [
        '--conditions=@patchfx/source',
        '--import',
        tsx,
        join(ROOT, 'examples/test/fixtures/stalled-main.ts'),
        mode,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
  test.each(['pending', 'exit0'])(
    'a main that can no longer finish (%s) ends with exit 1 and a message, not a silent 0',
    (mode) => {
      const r = run(mode);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: the program stopped before it finished/m);
    },
  );
});
