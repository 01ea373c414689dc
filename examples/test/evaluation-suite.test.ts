import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';
import { TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

describe('test-runs → tables, and robustness', () => {
  const tmp = makeTempDir();
  let run: string;
  beforeAll(async () => {
    const data = writeToyDataset(join(tmp.dir, 'data', 'toy'), { perSplit: 4 });
    for (const name of ['a', 'b']) {
      const r = await runProgram('train', [
        '--real_im_path',
        data.real,
        '--fake_im_path',
        data.fake,
        ...TINY_TRAIN,
        '--checkpoints_dir',
        join(tmp.dir, 'ck'),
        '--name',
        name,
        '--max_steps',
        '1',
        '--seed',
        name === 'a' ? '0' : '1',
      ]);
      expect(r.code).toBe(0);
    }
    run = join(tmp.dir, 'ck', 'a');
  }, 300_000);
  afterAll(() => tmp.remove());

  test('a YAML group over the toy set and faces-dev, then the tables', async () => {
    const groups = join(tmp.dir, 'groups.yml');
    const entries = ['  - { name: toy, real: toy/real, fake: toy/fake }'];
    if (hasSharedFaces)
      entries.push(
        `  - { name: faces-dev, real: ${join(FACES_DEV_DIR, 'real')}, fake: ${join(FACES_DEV_DIR, 'fake')} }`,
      );
    writeFileSync(groups, `mine:\n${entries.join('\n')}\n`);
    const results = join(tmp.dir, 'results');
    for (const name of ['a', 'b']) {
      const r = await runProgram('test-runs', [
        join(tmp.dir, 'ck', name),
        'mine',
        'test',
        '--groups',
        groups,
        '--dataroot',
        join(tmp.dir, 'data'),
        '--results_dir',
        results,
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/toy\s+AP \d/);
    }
    const bad = await runProgram('test-runs', [run, 'mien', 'test', '--groups', groups]);
    expect(bad.stderr).toMatch(/unknown group 'mien'.*did you mean 'mine'/);
    const t = await runProgram('tables', [results, '--partition', 'test']);
    expect(t.stderr).toBe('');
    expect(t.stdout).toMatch(/AP \(real positive\) ×100/);
    const md = readFileSync(
      join(results, 'tables', 'test_epoch_bestval_avg_after_softmax.md'),
      'utf8',
    );
    expect(md).toMatch(/\| model \| (faces-dev \| )?toy \|/);
    expect(md).toMatch(/\| a \| /);
    expect(md).toMatch(/\| b \| /);
    expect(existsSync(join(results, 'tables', 'test_epoch_bestval_avg_after_softmax.html'))).toBe(
      true,
    );
    const n = readFileSync(
      join(results, 'tables', 'test_epoch_bestval_avg_after_softmax_n.csv'),
      'utf8',
    );
    expect(n.split('\n')[1]).toMatch(hasSharedFaces ? /^a,74,8$/ : /^a,8$/);
  });

  test('robustness sweeps JPEG, blur and resize and writes the table and charts', async () => {
    const data = join(tmp.dir, 'data', 'toy');
    const r = await runProgram('robustness', [
      '--train_config',
      join(run, 'opt.yml'),
      '--partition',
      'test',
      '--dataset_name',
      'toy',
      '--real_im_path',
      join(data, 'real', 'test'),
      '--fake_im_path',
      join(data, 'fake', 'test'),
      '--results_dir',
      join(tmp.dir, 'rob'),
      '--jpeg',
      '90,30',
      '--blur',
      '3',
      '--resize',
      '0.5',
    ]);
    expect(r.stderr).toBe('');
    const out = join(tmp.dir, 'rob', 'a', 'test', 'epoch_bestval', 'toy_robustness');
    const csv = readFileSync(join(out, 'robustness.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 1 + 2 + 1 + 1);
    expect(csv[2]).toMatch(/^JPEG quality,90,/);
    for (const f of [
      'ap_vs_jpeg.svg',
      'ap_vs_jpeg.png',
      'ap_vs_blur.svg',
      'ap_vs_resize.png',
      'robustness.md',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(
      existsSync(
        join(tmp.dir, 'rob', 'a', 'test', 'epoch_bestval', 'toy_jpeg30', 'metrics_voted.json'),
      ),
    ).toBe(true);
  });
});
