import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, test } from 'vitest';
import { averagePrecision, computeMetrics } from '@patchfx/metrics';
import { heatmapAvgImage } from '@patchfx/viz';
import { readNpy, readPng } from '@patchfx/viz/node';
import { makeTempDir } from '@patchfx/test-utils';
import { TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

describe('evaluate program', () => {
  const tmp = makeTempDir();
  let data: { real: string; fake: string };
  let trainConfig: string;
  const results = join(tmp.dir, 'results');

  beforeAll(async () => {
    data = writeToyDataset(join(tmp.dir, 'data'), { perSplit: 6 });
    const r = await runProgram('train', [
      '--real_im_path',
      data.real,
      '--fake_im_path',
      data.fake,
      ...TINY_TRAIN,
      '--checkpoints_dir',
      join(tmp.dir, 'ck'),
      '--name',
      'ev',
      '--max_steps',
      '4',
    ]);
    expect(r.stderr).toBe('');
    trainConfig = join(tmp.dir, 'ck', 'ev', 'opt.yml');
  }, 300_000);
  afterAll(() => tmp.remove());

  const args = () => [
    '--train_config',
    trainConfig,
    '--partition',
    'test',
    '--dataset_name',
    'toy',
    '--real_im_path',
    join(data.real, 'test'),
    '--fake_im_path',
    join(data.fake, 'test'),
    '--results_dir',
    results,
  ];

  test('writes every metrics file, PR figures and a scores.csv that reproduces AP', async () => {
    const r = await runProgram('evaluate', [
      ...args(),
      '--visualize',
      '--average_mode',
      'after_softmax',
      '--topn',
      '2',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/images\/s, whole program/);
    const out = join(results, 'ev', 'test', 'epoch_bestval', 'toy');
    for (const f of ['metrics_voted', 'metrics_avg_before_softmax', 'metrics_avg_after_softmax']) {
      for (const ext of ['json', 'svg', 'png'])
        expect(existsSync(join(out, `${f}.${ext}`)), `${f}.${ext}`).toBe(true);
    }
    expect(existsSync(join(out, 'metrics_patch.json'))).toBe(true);
    expect(existsSync(join(out, 'metrics_patch.svg'))).toBe(false);
    const m = JSON.parse(
      readFileSync(join(out, 'metrics_avg_after_softmax.json'), 'utf8'),
    ) as Record<string, unknown>;
    // Every field of the metrics report, plus the run's own (which_model_netD, average_mode, …).
    const report = computeMetrics(
      [0, 1],
      [
        [0.8, 0.2],
        [0.3, 0.7],
      ],
      { fakeClassId: 0 },
    );
    expect(Object.keys(m)).toEqual(expect.arrayContaining(Object.keys(report)));
    expect(m).toMatchObject({ average_mode: 'after_softmax', dataset_name: 'toy' });
    expect(m.n).toBe(12);
    const patch = JSON.parse(readFileSync(join(out, 'metrics_patch.json'), 'utf8')) as {
      n: number;
    };
    expect(patch.n).toBe(12 * 13 * 13); // xception_relu2 at 32 px: a 13×13 map
    const rows = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('path,label,vote,before_softmax,after_softmax');
    const parsed = rows.slice(1).map((l) => l.split(','));
    const ap = averagePrecision(
      parsed.map((p) => Number(p[1])),
      parsed.map((p) => Number(p[4])),
    );
    expect(ap).toBeCloseTo(m.ap as number, 6);
    for (const sub of ['fakes', 'reals']) {
      for (const kind of ['easiest', 'hardest']) {
        const dir = join(out, 'vis', sub, kind);
        const names = readdirSync(dir);
        for (const f of [
          '001_orig.png',
          '001_heatmap_1.npy',
          '001_patch_1.png',
          'preds.txt',
          'heatmap_avg.npy',
          'heatmap_avg.png',
          '+lightbox.html',
        ])
          expect(names).toContain(f);
        expect(readFileSync(join(dir, 'preds.txt'), 'utf8').trim().split('\n')).toHaveLength(2);
      }
    }
    expect(existsSync(join(results, 'ev', 'report.html'))).toBe(true);
  });

  test('skips up-to-date results, --force_redo recomputes, perturbations get their own folder', async () => {
    const again = await runProgram('evaluate', args());
    expect(again.stdout).toMatch(/up to date with checkpoint 'bestval'/);
    const redo = await runProgram('evaluate', [...args(), '--force_redo']);
    expect(redo.stdout).toMatch(/metrics_avg_after_softmax/);
    const jpeg = await runProgram('evaluate', [
      ...args(),
      '--test_compression',
      '50',
      '--test_flip',
    ]);
    expect(jpeg.code).toBe(0);
    const m = JSON.parse(
      readFileSync(
        join(results, 'ev', 'test', 'epoch_bestval', 'toy_jpeg50_flip', 'metrics_voted.json'),
        'utf8',
      ),
    ) as { perturbation: string };
    expect(m.perturbation).toBe('jpeg50_flip');
  });

  test('--no_fold_bn runs the model as trained: the same scores within float rounding', async () => {
    const csv = join(results, 'ev', 'test', 'epoch_bestval', 'toy', 'scores.csv');
    const rows = () =>
      readFileSync(csv, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
    const folded = rows(); // the earlier runs fold BatchNorm (the default)
    const r = await runProgram('evaluate', [...args(), '--force_redo', '--no_fold_bn']);
    expect(r.code).toBe(0);
    const plain = rows();
    expect(plain.map((p) => p[0])).toEqual(folded.map((p) => p[0]));
    plain.forEach((p, i) => {
      // before_softmax and after_softmax (a vote may flip on a patch at the threshold).
      for (const k of [3, 4]) expect(Number(p[k])).toBeCloseTo(Number(folded[i][k]), 5);
    });
  });

  test('--runtime onnx runs the model in onnxruntime: the same scores within float rounding, the same AP', async () => {
    const dir = join(results, 'ev', 'test', 'epoch_bestval', 'toy');
    const rows = () =>
      readFileSync(join(dir, 'scores.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
    const ap = () =>
      JSON.parse(readFileSync(join(dir, 'metrics_avg_after_softmax.json'), 'utf8')) as {
        ap: number;
        runtime?: string;
      };
    const r0 = await runProgram('evaluate', [...args(), '--force_redo']);
    expect(r0.code).toBe(0);
    const [tfjsRows, tfjsAp] = [rows(), ap()];
    const r = await runProgram('evaluate', [...args(), '--force_redo', '--runtime', 'onnx']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [onnxRows, onnxAp] = [rows(), ap()];
    expect(onnxAp.runtime).toBe('onnx');
    expect(tfjsAp.runtime).toBeUndefined();
    expect(Math.abs(onnxAp.ap - tfjsAp.ap)).toBeLessThanOrEqual(1e-4);
    expect(onnxRows.map((p) => p[0])).toEqual(tfjsRows.map((p) => p[0]));
    onnxRows.forEach((p, i) => {
      for (const k of [3, 4]) expect(Number(p[k])).toBeCloseTo(Number(tfjsRows[i][k]), 5);
    });
    const bad = await runProgram('evaluate', [...args(), '--runtime', 'torch']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/runtime.*'tfjs' \| 'onnx'.*"torch"/);
  });

  test('clear errors: partition not in the path, missing checkpoint', async () => {
    const a = await runProgram('evaluate', [
      '--train_config',
      trainConfig,
      '--partition',
      'val',
      '--dataset_name',
      'x',
      '--real_im_path',
      data.real,
      '--fake_im_path',
      data.fake,
    ]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/does not contain the partition name 'val'/);
    const b = await runProgram('evaluate', [...args(), '--which_epoch', '77']);
    expect(b.stderr).toMatch(/no checkpoint '77'/);
  });

  test('--visualize: after_softmax by default; easiest and hardest are disjoint when the set is smaller than 2 × topn', async () => {
    const c = await runProgram('evaluate', [
      ...args().map((a) => (a === 'toy' ? 'toy_vis' : a)),
      '--visualize',
      '--topn',
      '10',
    ]);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/--visualize ranks images by after_softmax/);
    expect(c.stdout).toMatch(
      /6 fakes: the easiest and the hardest 3 each \(half the set; --topn 10\)/,
    );
    const vis = join(results, 'ev', 'test', 'epoch_bestval', 'toy_vis', 'vis');
    const scores = readFileSync(join(vis, '..', 'scores.csv'), 'utf8')
      .trim()
      .split('\n');
    for (const sub of ['fakes', 'reals']) {
      const read = (kind: string) =>
        readFileSync(join(vis, sub, kind, 'preds.txt'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(','));
      const easiest = read('easiest');
      const hardest = read('hardest');
      // 6 images of each class, topn 10: 3 each, no image in both galleries.
      expect(easiest).toHaveLength(3);
      expect(hardest).toHaveLength(3);
      const paths = new Set(easiest.map((l) => l[3]));
      for (const l of hardest) expect(paths.has(l[3])).toBe(false);
      expect(
        readdirSync(join(vis, sub, 'easiest')).filter((f) => f.endsWith('_patch_1.png')),
      ).toHaveLength(3);
      // The galleries' P(real) is the after_softmax column of scores.csv.
      for (const [, , pReal, path] of [...easiest, ...hardest]) {
        const row = scores.find((l) => l.startsWith(`${path},`))!.split(',');
        expect(Number(pReal)).toBeCloseTo(Number(row[4]), 5);
      }
    }
  });

  test('--heatmap_scale absolute colours probabilities as they are; per_image stretches each map', async () => {
    const vis = (name: string) =>
      join(results, 'ev', 'test', 'epoch_bestval', name, 'vis', 'fakes', 'easiest');
    for (const [name, scale] of [
      ['toy_abs', 'absolute'],
      ['toy_per_image', 'per_image'],
    ]) {
      const r = await runProgram('evaluate', [
        ...args().map((a) => (a === 'toy' ? name : a)),
        '--visualize',
        '--topn',
        '2',
        '--heatmap_scale',
        scale,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    // heatmap_avg.npy is the mean P(real) map; the picture shows the mean P(fake) = 1 − it.
    const png = (name: string) => readPng(join(vis(name), 'heatmap_avg.png'));
    const npy = readNpy(join(vis('toy_abs'), 'heatmap_avg.npy'));
    const [h, w] = npy.shape;
    const pFake = { data: Float32Array.from(npy.data, (v) => 1 - v), height: h, width: w };
    const size = { width: png('toy_abs').width, height: png('toy_abs').height };
    // Mean absolute difference per byte (the file's P(fake) is 1 − P(real) within float
    // rounding, which the per-image stretch of a near-constant map magnifies to a few levels).
    const meanDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    const absolute = heatmapAvgImage(pFake, size, { scale: 'absolute' }).data;
    const minmax = heatmapAvgImage(pFake, size, { scale: 'minmax' }).data;
    expect(meanDiff(png('toy_abs').data, absolute)).toBeLessThan(0.5);
    expect(meanDiff(png('toy_abs').data, minmax)).toBeGreaterThan(20);
    expect(meanDiff(png('toy_per_image').data, minmax)).toBeLessThan(2);
    expect(meanDiff(png('toy_per_image').data, absolute)).toBeGreaterThan(20);
    const bad = await runProgram('evaluate', [...args(), '--heatmap_scale', 'minmax']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/heatmap_scale.*expected one of 'per_image' \| 'absolute'/);
  });

  test('plain real/ and fake/ folders evaluate without --partition; partition folders are named', async () => {
    // Folders of images with no partition sub-folder: the folders themselves are the test set.
    const plain = join(tmp.dir, 'plain');
    for (const cls of ['real', 'fake']) {
      mkdirSync(join(plain, cls), { recursive: true });
      for (const f of readdirSync(join(data[cls as 'real' | 'fake'], 'test')))
        copyFileSync(join(data[cls as 'real' | 'fake'], 'test', f), join(plain, cls, f));
    }
    const common = ['--train_config', trainConfig, '--results_dir', results];
    const p = await runProgram('evaluate', [
      ...common,
      '--dataset_name',
      'plain',
      '--real_im_path',
      join(plain, 'real'),
      '--fake_im_path',
      join(plain, 'fake'),
    ]);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/no --partition: evaluating the folders themselves/);
    const m = JSON.parse(
      readFileSync(
        join(results, 'ev', 'all', 'epoch_bestval', 'plain', 'metrics_avg_after_softmax.json'),
        'utf8',
      ),
    ) as { n: number };
    expect(m.n).toBe(12);
    // Partition folders given without --partition: their name is the partition.
    const t = await runProgram('evaluate', [
      ...common,
      '--dataset_name',
      'by_name',
      '--real_im_path',
      join(data.real, 'test'),
      '--fake_im_path',
      join(data.fake, 'test'),
    ]);
    expect(t.code).toBe(0);
    expect(existsSync(join(results, 'ev', 'test', 'epoch_bestval', 'by_name', 'done.txt'))).toBe(
      true,
    );
    // Folders that hold train/val/test: say which partition folder to give, do not mix them.
    const s = await runProgram('evaluate', [
      ...common,
      '--dataset_name',
      'mixed',
      '--real_im_path',
      data.real,
      '--fake_im_path',
      data.fake,
    ]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(
      `--real_im_path '${data.real}' holds the partition folders train, val, test`,
    );
    expect(s.stderr).toContain(`--real_im_path ${join(data.real, 'test')}`);
  });
});
