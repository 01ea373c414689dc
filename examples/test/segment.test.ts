/**
 * The segment program end to end: hand-made patches folders (written here with writeNpy) over
 * a synthetic benchmark set (label-map segmenter) and over real faces (face parser, wasm).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  assignCluster,
  createPartMap,
  FACE_PARTS,
  labelCounts,
  type PartMap,
} from '@patchfx/segment';
import { readGroundTruth, synthesizeDataset } from '@patchfx/segment/node';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';
import { readNpy, readPng, writeNpy } from '@patchfx/viz/node';
import { runProgram } from './helpers.js';

interface Geometry {
  rf: number;
  jump: number;
  offset: number;
  finesize: number;
  outsize: [number, number];
}

/** Writes `<subset>_easiest.*` as the patches program does (patches are constant tiles). */
function writeSubset(
  dir: string,
  subset: 'reals' | 'fakes',
  g: Geometry,
  patches: { file: string; i: number; j: number }[],
): void {
  mkdirSync(dir, { recursive: true });
  const stem = `${subset}_easiest`;
  const n = patches.length;
  const tile = g.rf * g.rf * 3;
  const patch = new Float32Array(n * tile);
  // patch k is the grey level -1 + 2k/n, so the arrays can be traced into the clusters
  for (let k = 0; k < n; k++) patch.fill(-1 + (2 * k) / n, k * tile, (k + 1) * tile);
  writeNpy(join(dir, `${stem}.patch.npy`), { data: patch, shape: [n, g.rf, g.rf, 3] });
  writeNpy(join(dir, `${stem}.pos.npy`), {
    data: Int32Array.from(patches.flatMap((p) => [p.i, p.j])),
    shape: [n, 2],
  });
  writeNpy(join(dir, `${stem}.value.npy`), {
    data: Float32Array.from(patches, (_, k) => 0.5 + k / (2 * n)),
    shape: [n],
  });
  writeFileSync(join(dir, `${stem}_files.txt`), patches.map((p) => `${p.file}\n`).join(''));
  writeFileSync(
    join(dir, `${stem}.json`),
    JSON.stringify({
      which_model_netD: 'xception_block2',
      ...g,
      count: n,
      files: `${stem}_files.txt`,
      arrays: { patch: `${stem}.patch.npy`, pos: `${stem}.pos.npy`, value: `${stem}.value.npy` },
    }),
  );
}

function window(g: Geometry, i: number, j: number) {
  const top = g.offset + i * g.jump;
  const left = g.offset + j * g.jump;
  return {
    top: Math.max(0, top),
    left: Math.max(0, left),
    bottom: Math.min(g.finesize, top + g.rf),
    right: Math.min(g.finesize, left + g.rf),
  };
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

describe('segment program, label-map segmenter', () => {
  const tmp = makeTempDir('patchfx-segment-prog-');
  const set = join(tmp.dir, 'set');
  const g: Geometry = { rf: 9, jump: 4, offset: -2, finesize: 32, outsize: [8, 8] };
  const maps = new Map<string, PartMap>();
  const images: string[] = [];
  const expected: Record<'reals' | 'fakes', Map<string, number>> = {
    reals: new Map(),
    fakes: new Map(),
  };
  let patchesDir: string;

  beforeAll(async () => {
    await synthesizeDataset({
      root: set,
      count: 4,
      size: 32,
      splits: { train: 0, val: 0, test: 1 },
    });
    for (const kind of ['real', 'fake']) {
      for (let k = 0; k < 4; k++) {
        const file = join(set, kind, 'test', `${kind}-0000${k}.png`);
        const truth = await readGroundTruth(file);
        maps.set(file, createPartMap(truth.labels, 32, 32, FACE_PARTS));
        images.push(file);
      }
    }
    // the cluster of every map position, with the rule (unit-tested against numpy in @patchfx/segment)
    const clusterAt = (file: string, i: number, j: number) => {
      const map = maps.get(file)!;
      return assignCluster(map, window(g, i, j), labelCounts(map)).cluster;
    };
    const positions = Array.from({ length: 64 }, (_, k) => [Math.floor(k / 8), k % 8] as const);
    // reals: 240 patches, all on hair (more than one grid of 225), from the 4 real images
    const reals: { file: string; i: number; j: number }[] = [];
    const realFiles = images.slice(0, 4);
    while (reals.length < 240) {
      for (const file of realFiles) {
        for (const [i, j] of positions) {
          if (reals.length < 240 && clusterAt(file, i, j) === 'hair') reals.push({ file, i, j });
        }
      }
    }
    // fakes: every position of two images, one patch each (relative paths, found from the cwd)
    const fakes: { file: string; i: number; j: number }[] = [];
    for (const file of images.slice(4, 6)) {
      for (const [i, j] of positions) fakes.push({ file, i, j });
    }
    for (const [subset, list] of [
      ['reals', reals],
      ['fakes', fakes],
    ] as const) {
      for (const p of list) {
        const c = clusterAt(p.file, p.i, p.j);
        expected[subset].set(c, (expected[subset].get(c) ?? 0) + 1);
      }
    }
    patchesDir = join(
      tmp.dir,
      'results',
      'synth',
      'test',
      'epoch_bestval',
      'synthetic',
      'patches_top10000',
    );
    writeSubset(patchesDir, 'reals', g, reals);
    writeSubset(
      patchesDir,
      'fakes',
      g,
      fakes.map((p) => ({ ...p, file: p.file.slice(tmp.dir.length + 1) })),
    );
  }, 120_000);
  afterAll(() => tmp.remove());

  const run = (extra: string[] = []) =>
    runProgram(
      'segment',
      [patchesDir, '--segmenter', 'label-maps', '--backend', 'cpu', '--quiet', ...extra],
      {
        cwd: tmp.dir,
      },
    );

  test('counts.txt ranks clusters by size; arrays, lists and grids follow', async () => {
    const r = await run(['--checkpoints_dir', join(tmp.dir, 'ck')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const subset of ['reals', 'fakes'] as const) {
      const dir = join(patchesDir, 'clusters', `${subset}_clusters`);
      const want = [...expected[subset].entries()]
        .sort(
          (a, b) =>
            b[1] - a[1] || FACE_PARTS.indexOf(a[0] as never) - FACE_PARTS.indexOf(b[0] as never),
        )
        .map(([label, count], i) => `${i}: ${label}, ${count} patches`);
      expect(lines(join(dir, 'counts.txt'))).toEqual(want);
      // every cluster has its files, and the arrays hold the right patches in the input order
      want.forEach((_, i) => {
        const index = JSON.parse(readFileSync(join(dir, `cluster_${i}.json`), 'utf8'));
        const count = Number(/, (\d+) patches/.exec(want[i])![1]);
        expect(index).toMatchObject({
          label: /: (\w+),/.exec(want[i])![1],
          count,
          rf: 9,
          finesize: 32,
          outsize: [8, 8],
          which_model_netD: 'xception_block2',
        });
        expect(readNpy(join(dir, `cluster_${i}.patch.npy`)).shape).toEqual([count, 9, 9, 3]);
        expect(readNpy(join(dir, `cluster_${i}.pos.npy`)).shape).toEqual([count, 2]);
        const values = readNpy(join(dir, `cluster_${i}.value.npy`)).data;
        expect(Array.from(values)).toEqual([...values].sort((a, b) => a - b));
        expect(lines(join(dir, `cluster_${i}.txt`))).toHaveLength(count);
        const grid = readPng(join(dir, `cluster_${i}.png`));
        const shown = Math.min(count, 225);
        const cols = Math.ceil(Math.sqrt(shown));
        expect([grid.width, grid.height]).toEqual([cols * 9, Math.ceil(shown / cols) * 9]);
      });
      const base = lines(join(dir, 'baseline.txt'));
      const total = (ls: string[]) =>
        ls.reduce((s, l) => s + Number(/, (\d+) patches$/.exec(l)![1]), 0);
      expect(total(base)).toBe(total(want));
      const counts = base.map((l) => Number(/, (\d+) patches$/.exec(l)![1]));
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      base.forEach((l, i) => expect(l.startsWith(`${i}: `)).toBe(true));
      for (const f of ['histogram.svg', 'histogram.png'])
        expect(existsSync(join(dir, f))).toBe(true);
    }
    // reals: one hair cluster of 240 patches, its grid the strongest 225 (15 × 15 tiles)
    const reals = join(patchesDir, 'clusters', 'reals_clusters');
    expect(lines(join(reals, 'counts.txt'))).toEqual(['0: hair, 240 patches']);
    const grid = readPng(join(reals, 'cluster_0.png'));
    expect([grid.width, grid.height]).toEqual([135, 135]);
    // the first tile is patch 15 (grey -1 + 30/240 → 111), the strongest shown first-to-last
    expect(grid.data[0]).toBe(Math.trunc(((-1 + 30 / 240) * 0.5 + 0.5) * 255));
    // combined histogram and the refreshed run report
    const svg = readFileSync(join(patchesDir, 'clusters', 'histogram_parts.svg'), 'utf8');
    expect(svg).toContain('>hair<');
    expect(existsSync(join(patchesDir, 'clusters', 'histogram_parts.png'))).toBe(true);
    const report = readFileSync(join(tmp.dir, 'results', 'synth', 'report.html'), 'utf8');
    expect(report).toContain('Face parts of the most predictive patches');
    expect(r.stdout).toMatch(/reals: 240 patches → 1 clusters \(hair 240\)/);
    expect(r.stdout).toMatch(/report: .*report\.html/);
  }, 120_000);

  test('the random baseline is reproducible from --seed and changes with it', async () => {
    const baseline = () =>
      ['reals', 'fakes'].map((s) =>
        readFileSync(join(patchesDir, 'clusters', `${s}_clusters`, 'baseline.txt'), 'utf8'),
      );
    expect((await run(['--seed', '3'])).code).toBe(0);
    const a = baseline();
    expect((await run(['--seed', '3'])).code).toBe(0);
    expect(baseline()).toEqual(a);
    expect((await run(['--seed', '4'])).code).toBe(0);
    expect(baseline()).not.toEqual(a);
  }, 120_000);

  test('clear errors: no folder, no patches, arrays that disagree', async () => {
    const missing = await runProgram('segment', [join(tmp.dir, 'nope'), '--backend', 'cpu']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/patches folder '.*nope' does not exist/);
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const none = await runProgram('segment', [empty, '--backend', 'cpu']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /holds no reals_easiest\.json or fakes_easiest\.json: run npm run patches first/,
    );
    const broken = join(tmp.dir, 'broken');
    writeSubset(broken, 'fakes', g, [{ file: images[4], i: 0, j: 0 }]);
    writeFileSync(join(broken, 'fakes_easiest_files.txt'), `${images[4]}\n${images[5]}\n`);
    const bad = await runProgram('segment', [
      broken,
      '--segmenter',
      'label-maps',
      '--backend',
      'cpu',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /fakes_easiest_files\.txt': has 2 paths but the index says 1 patches/,
    );
    const typo = await runProgram('segment', [broken, '--segmentor', 'label-maps']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown option 'segmentor'.*did you mean 'segmenter'/);
  }, 120_000);
});

describe.skipIf(!hasSharedFaces)('segment program, face parser on real faces (wasm)', () => {
  const tmp = makeTempDir('patchfx-segment-faces-');
  afterAll(() => tmp.remove());

  test('patches on the eyes of reals and the mouths of fakes land in eye and mouth', async () => {
    const g: Geometry = { rf: 13, jump: 4, offset: 0, finesize: 128, outsize: [29, 29] };
    const faces = join(tmp.dir, 'faces');
    mkdirSync(faces);
    const reals = ['alae_00036.png', 'alae_00049.png', 'alae_00067.png'].map((f) => {
      copyFileSync(join(FACES_DEV_DIR, 'real', 'test', f), join(faces, f));
      return join(faces, f);
    });
    // window rows [44, 57) × cols [36, 49): round the left eye (about (42, 50) in these photos)
    writeSubset(
      tmp.dir,
      'reals',
      g,
      reals.map((file) => ({ file, i: 11, j: 9 })),
    );
    // window rows [84, 97) × cols [56, 69): the middle of the mouth
    writeSubset(
      tmp.dir,
      'fakes',
      g,
      reals.map((file) => ({ file, i: 21, j: 14 })),
    );
    const r = await runProgram('segment', [tmp.dir, '--backend', 'wasm', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(join(tmp.dir, 'clusters', 'reals_clusters', 'counts.txt'))).toEqual([
      '0: eye, 3 patches',
    ]);
    expect(lines(join(tmp.dir, 'clusters', 'fakes_clusters', 'counts.txt'))).toEqual([
      '0: mouth, 3 patches',
    ]);
    expect(r.stdout).toMatch(/face-parser: 3 images in [\d.]+ s/);
    expect(readdirSync(join(tmp.dir, 'clusters'))).toEqual(
      expect.arrayContaining([
        'reals_clusters',
        'fakes_clusters',
        'histogram_parts.svg',
        'histogram_parts.png',
      ]),
    );
  }, 120_000);
});
