import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

function steps(log: string): number[] {
  return log
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; step?: number })
    .filter((r) => r.event === 'step')
    .map((r) => r.step!);
}

describe('train program', () => {
  test('trains, writes the run folder, and refuses to overwrite it', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'));
      const args = [
        '--real_im_path',
        real,
        '--fake_im_path',
        fake,
        ...TINY_TRAIN,
        '--checkpoints_dir',
        join(dir, 'ck'),
        '--name',
        'toy_{which_model_netD}',
        '--suffix',
        's{seed}',
        '--max_epochs',
        '1',
        '--patience',
        '0',
      ];
      const r = await runProgram('train', args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const run = join(dir, 'ck', 'toy_xception_relu2_s0');
      for (const f of [
        'opt.yml',
        'opt.txt',
        'log.jsonl',
        'bestval_ep.txt',
        'done.txt',
        'latest/model.json',
        'bestval/weights.bin',
      ]) {
        expect(existsSync(join(run, f)), f).toBe(true);
      }
      const yml = readFileSync(join(run, 'opt.yml'), 'utf8');
      expect(yml).toMatch(/^name: toy_xception_relu2_s0$/m);
      expect(yml).toMatch(/^suffix: ""$/m);
      expect(yml).toMatch(/^max_dataset_size: \.inf$/m);
      // Which images BatchNorm normalised together, recorded three ways.
      expect(yml).toMatch(/^batch_norm: sync$/m);
      const threads = Number(/(\d+) training thread\(s\)/.exec(r.stdout)?.[1]);
      const record = JSON.parse(
        readFileSync(join(run, 'latest', 'checkpoint.json'), 'utf8'),
      ).training;
      expect(record).toEqual({
        backend: 'wasm',
        batchSize: 4,
        threads,
        imagesPerPass: threads === 2 ? 2 : 4,
        batchNormImages: 4,
        batchNormSynchronised: threads === 2,
      });
      expect(yml).toMatch(
        new RegExp(
          `^# resolved .*: ${threads} thread\\(s\\) on wasm, .*BatchNorm over 4 image\\(s\\)`,
          'm',
        ),
      );
      const setup = readFileSync(join(run, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((e) => e.event === 'setup');
      expect(setup.training).toEqual(record);
      expect(r.stdout).toMatch(/epoch 0: val loss_D/);
      const again = await runProgram('train', args);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(
        /already exists\. To resume it: .*--load_model --which_epoch latest; to start over in it: add --overwrite_config/,
      );
      const finished = await runProgram('train', [join(run, 'opt.yml'), '--load_model']);
      expect(finished.code).toBe(0);
      expect(finished.stdout).toMatch(/already finished/);
    } finally {
      remove();
    }
  });

  test('config typos and bad values are errors that name the key and suggest the fix', async () => {
    const { dir, remove } = makeTempDir();
    try {
      writeFileSync(join(dir, 'bad.yml'), 'which_model_netd: xception_block2\n');
      const a = await runProgram('train', [join(dir, 'bad.yml')]);
      expect(a.code).toBe(1);
      expect(a.stderr).toMatch(
        /unknown option 'which_model_netd' in config '.*bad\.yml'; did you mean 'which_model_netD'\?/,
      );
      const b = await runProgram('train', ['--lr_policy', 'cosine']);
      expect(b.stderr).toMatch(
        /option 'lr_policy' in the command line: expected one of 'constant' \| 'plateau'/,
      );
      const bn = await runProgram('train', ['--batch_norm', 'synced']);
      expect(bn.stderr).toMatch(
        /option 'batch_norm' in the command line: expected one of 'sync' \| 'local'/,
      );
      const c = await runProgram('train', ['--batchsize', '8']);
      expect(c.stderr).toMatch(/did you mean 'batch_size'/);
      const d = await runProgram('train', [
        '--real_im_path',
        join(dir, 'nope'),
        '--fake_im_path',
        join(dir, 'nope2'),
        '--checkpoints_dir',
        join(dir, 'ck'),
      ]);
      expect(d.code).toBe(1);
      expect(d.stderr).toMatch(/nope.*train.* does not exist.*\{train,val,test\}/);
      expect(existsSync(join(dir, 'ck'))).toBe(false);
    } finally {
      remove();
    }
  });

  test('a run killed with SIGKILL resumes from latest without losing saved steps', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'), { perSplit: 8 });
      const ck = join(dir, 'ck');
      const args = [
        '--real_im_path',
        real,
        '--fake_im_path',
        fake,
        ...TINY_TRAIN,
        '--checkpoints_dir',
        ck,
        '--name',
        'r',
        '--save_latest_freq',
        '1',
        '--print_freq',
        '1',
        '--max_steps',
        '9',
      ];
      const first = await runProgram('train', args, {
        killWhen: (out) => (out.match(/\(epoch: /g) ?? []).length >= 3,
      });
      expect(first.signal).toBe('SIGKILL');
      const run = join(ck, 'r');
      const before = steps(readFileSync(join(run, 'log.jsonl'), 'utf8'));
      expect(before.length).toBeGreaterThanOrEqual(3);
      const state = JSON.parse(readFileSync(join(run, 'latest', 'checkpoint.json'), 'utf8'))
        .state as { totalSteps: number };
      expect(state.totalSteps).toBeGreaterThanOrEqual(before.at(-1)! - 1);
      const second = await runProgram('train', [
        join(run, 'opt.yml'),
        '--load_model',
        '--which_epoch',
        'latest',
      ]);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(
        new RegExp(`resuming 'r' from 'latest'.*${state.totalSteps} batches done`),
      );
      // The resumed run continues right after the last saved step and reaches max_steps; the
      // steps logged past the checkpoint before the kill were dropped, so each appears once.
      expect(steps(readFileSync(join(run, 'log.jsonl'), 'utf8'))).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
      expect(existsSync(join(run, 'done.txt'))).toBe(true);
    } finally {
      remove();
    }
  });
});
