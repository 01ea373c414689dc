import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { ROOT, runProgram, writeToyDataset } from './helpers.js';

describe('model-info, convert and the full-image baseline', () => {
  test('model-info --json gives the spec §1.7 geometry', async () => {
    const r = await runProgram('model-info', [
      '--which_model_netD',
      'resnet18_layer1',
      '--size',
      '224',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({
      which_model_netD: 'resnet18_layer1',
      inputSize: 224,
      outputSize: [56, 56],
      rf: 43,
      jump: 4,
      offset: -21,
      params: 157634,
    });
    const bad = await runProgram('model-info', ['--which_model_netD', 'xception_blok2']);
    expect(bad.stderr).toMatch(/did you mean 'xception_block2'/);
  });

  test('convert turns a reference .pth into a checkpoint that evaluate can use', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const pth = join(ROOT, 'packages/models/test/fixtures/torch/xception_block1.pth');
      const r = await runProgram('convert', [
        pth,
        '--which_model_netD',
        'xception_block1',
        '--out',
        join(dir, 'ck', 'ref'),
        '--loadSize',
        '32',
        '--fineSize',
        '32',
        '--backend',
        'wasm',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(existsSync(join(dir, 'ck', 'ref', 'opt.yml'))).toBe(true);
      const data = writeToyDataset(join(dir, 'data'), { perSplit: 2 });
      const e = await runProgram('evaluate', [
        '--train_config',
        join(dir, 'ck', 'ref', 'opt.yml'),
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
        '--checkpoints_dir',
        join(dir, 'ck'),
        '--backend',
        'wasm',
      ]);
      expect(e.stderr).toBe('');
      expect(e.stdout).toMatch(/metrics_avg_after_softmax\s+AP\(real\)/);
    } finally {
      remove();
    }
  });

  test('basic_discriminator: a full-image baseline trains and evaluates (metrics.json)', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const data = writeToyDataset(join(dir, 'data'), { perSplit: 2 });
      const t = await runProgram('train', [
        '--real_im_path',
        data.real,
        '--fake_im_path',
        data.fake,
        '--model',
        'basic_discriminator',
        '--which_model_netD',
        'resnet18',
        '--loadSize',
        '32',
        '--fineSize',
        '32',
        '--batch_size',
        '4',
        '--max_steps',
        '1',
        '--checkpoints_dir',
        join(dir, 'ck'),
        '--name',
        'full',
        '--tensorboard_dir',
        join(dir, 'runs'),
        '--backend',
        'wasm',
        '--quiet',
      ]);
      expect(t.stderr).toBe('');
      const mismatch = await runProgram('train', [
        '--real_im_path',
        data.real,
        '--fake_im_path',
        data.fake,
        '--model',
        'patch_discriminator',
        '--which_model_netD',
        'resnet18',
        '--checkpoints_dir',
        join(dir, 'ck2'),
      ]);
      expect(mismatch.stderr).toMatch(/a full network needs --model basic_discriminator/);
      const e = await runProgram('evaluate', [
        '--train_config',
        join(dir, 'ck', 'full', 'opt.yml'),
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
      ]);
      expect(e.stderr).toBe('');
      const m = JSON.parse(
        readFileSync(
          join(dir, 'res', 'full', 'test', 'epoch_bestval', 'toy', 'metrics.json'),
          'utf8',
        ),
      ) as { n: number };
      expect(m.n).toBe(4);
    } finally {
      remove();
    }
  });
});
