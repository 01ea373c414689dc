/**
 * The faceforensics program on a tiny FaceForensics++ tree of lossless videos made with ffmpeg
 * (synthetic-benchmark portraits moving on a grey canvas; each manipulated video carries a
 * magenta rectangle over the mouth): pairing and names, identical alignment of both frames,
 * counts, the val/test cap, frames without a face, a shorter manipulated video, a missing video,
 * Ctrl-C and resume, the `.npz` read by NumPy, and the errors.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { alignmentQuad, toAlignedCoordinates, type FivePoints } from '@patchfx/segment';
import { readPng } from '@patchfx/viz/node';
import { writeFixture, type FixtureLayout } from '../faceforensics/src/fixture.js';
import { runProgram } from './helpers.js';

const PYTHON = '/usr/bin/python3';

describe('faceforensics program', () => {
  const tmp = makeTempDir('patchfx-ff-');
  afterAll(() => tmp.remove());
  const out = join(tmp.dir, 'aligned');
  let fx: FixtureLayout;
  let args: string[];

  beforeAll(async () => {
    fx = await writeFixture(join(tmp.dir, 'ff'), {
      manipulation: 'Face2Face',
      compression: 'c23',
      splits: {
        train: [{ target: '001', source: '002', frames: 6, blank: [2] }],
        val: [{ target: '003', source: '004', frames: 6 }],
        test: [
          { target: '005', source: '006', frames: 4, manipulatedFrames: 3, blank: [1] },
          { target: '007', source: '008', frames: 2, missing: true },
        ],
      },
    });
    args = [
      '--raw',
      fx.raw,
      '--manipulation',
      'Face2Face',
      '--splits',
      fx.splits,
      '--outdir',
      out,
      '--max_frames_eval',
      '3',
      '--save_mesh',
    ];
  }, 60_000);

  /** Output files (relative) with their modification times. */
  const files = () =>
    new Map(
      readdirSync(out, { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.(png|npz)$/.test(f))
        .map((f) => [f, statSync(join(out, f)).mtimeMs]),
    );

  test('Ctrl-C stops after the frame in flight and says how to go on', async () => {
    const r = await runProgram('faceforensics', args, {
      killWhen: (s) => /^train 001_002: /m.test(s),
      killSignal: 'SIGINT',
    });
    expect(r.stderr).toMatch(/SIGINT: stopping after this frame/);
    expect(r.stdout).toMatch(
      /^interrupted: run the same command to go on: npm run faceforensics -- --raw /m,
    );
    expect(r.code).toBe(130);
  }, 120_000);

  test('pairs, names, counts, cap, no-face frames, shorter and missing videos', async () => {
    const r = await runProgram('faceforensics', args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the train video finished before the interrupt is kept
    expect(r.stdout).toMatch(
      /^train: 1 of 1 video\(s\) done \(1 finished before\), 5 frame pair\(s\) saved, 1 frame\(s\) without a face, 0 missing video\(s\), 0 failed$/m,
    );
    expect(r.stdout).toMatch(
      /^val: 1 of 1 video\(s\) done \(0 finished before\), 3 frame pair\(s\) saved, 0 frame\(s\) without a face, 0 missing/m,
    );
    expect(r.stdout).toMatch(
      /^test: 1 of 2 video\(s\) done \(0 finished before\), 2 frame pair\(s\) saved, 1 frame\(s\) without a face, 1 missing/m,
    );
    expect(r.stdout).toMatch(/^warning: video not found: .*007_008\.mp4 \(test pair 007_008\)$/m);
    expect(r.stdout).toMatch(
      /^warning: '.*005_006\.mp4' ends after 3 frames, '.*005\.mp4' has more/m,
    );
    const expected = {
      train: ['001_002_000', '001_002_001', '001_002_003', '001_002_004', '001_002_005'],
      val: ['003_004_000', '003_004_001', '003_004_002'],
      test: ['005_006_000', '005_006_002'],
    };
    for (const [split, names] of Object.entries(expected)) {
      for (const [kind, ext] of [
        ['original', 'png'],
        ['manipulated', 'png'],
        ['detections', 'npz'],
      ]) {
        expect(readdirSync(join(out, kind, split)).sort()).toEqual(names.map((n) => `${n}.${ext}`));
      }
    }
  }, 120_000);

  test('the .npz as NumPy reads it: lm [5, 2] float64 in frame pixels, mesh [468, 2] float32', () => {
    const script = [
      'import json, sys, glob, os, numpy as np',
      'out = {}',
      "for f in sorted(glob.glob(os.path.join(sys.argv[1], 'detections', '*', '*.npz'))):",
      '    z = np.load(f)',
      "    out[os.path.basename(f)[:-4]] = dict(keys=sorted(z.files), lm=z['lm'].tolist(),",
      "        lm_dtype=str(z['lm'].dtype), mesh_shape=list(z['mesh'].shape), mesh_dtype=str(z['mesh'].dtype))",
      'print(json.dumps(out))',
    ].join('\n');
    const py = spawnSync(PYTHON, ['-c', script, out], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const npz = JSON.parse(py.stdout) as Record<
      string,
      { keys: string[]; lm: number[][]; lm_dtype: string; mesh_shape: number[]; mesh_dtype: string }
    >;
    expect(Object.keys(npz)).toHaveLength(10);
    for (const z of Object.values(npz)) {
      expect(z).toMatchObject({
        keys: ['lm', 'mesh'],
        lm_dtype: 'float64',
        mesh_shape: [468, 2],
        mesh_dtype: 'float32',
      });
      expect(z.lm).toHaveLength(5);
    }
    // the face moves one pixel right per frame (frames 0–7): so do the points found
    const eyeX = (name: string) => npz[name].lm[0][0];
    expect(Math.abs(eyeX('001_002_004') - eyeX('001_002_000') - 4)).toBeLessThan(1);
    expect(Math.abs(eyeX('003_004_002') - eyeX('003_004_000') - 2)).toBeLessThan(1);
    // left eye left of the right eye, both above the mouth corners
    for (const { lm } of Object.values(npz)) {
      expect(lm[0][0]).toBeLessThan(lm[1][0]);
      expect(Math.max(lm[0][1], lm[1][1])).toBeLessThan(Math.min(lm[3][1], lm[4][1]));
    }
    writeFileSync(join(tmp.dir, 'lm.json'), JSON.stringify(npz));
  });

  test('both frames of a pair are cut identically: they differ only where the mouth was painted', () => {
    const npz = JSON.parse(readFileSync(join(tmp.dir, 'lm.json'), 'utf8')) as Record<
      string,
      { lm: number[][] }
    >;
    for (const [name, { lm }] of Object.entries(npz)) {
      const split = name.startsWith('001') ? 'train' : name.startsWith('003') ? 'val' : 'test';
      const a = readPng(join(out, 'original', split, `${name}.png`));
      const b = readPng(join(out, 'manipulated', split, `${name}.png`));
      expect([a.width, a.height, a.channels, b.width, b.height, b.channels]).toEqual([
        128, 128, 3, 128, 128, 3,
      ]);
      const points: FivePoints = {
        leftEye: [lm[0][0], lm[0][1]],
        rightEye: [lm[1][0], lm[1][1]],
        nose: [lm[2][0], lm[2][1]],
        mouthLeft: [lm[3][0], lm[3][1]],
        mouthRight: [lm[4][0], lm[4][1]],
      };
      // the painted rectangle, moved into the crop with the stored points (3 px for resampling)
      const mark = fx.frame(name.slice(0, 3), Number(name.slice(-3))).mark;
      const quad = alignmentQuad(points);
      const corners = [
        [mark.x0 - 0.5, mark.y0 - 0.5],
        [mark.x1 - 0.5, mark.y0 - 0.5],
        [mark.x0 - 0.5, mark.y1 - 0.5],
        [mark.x1 - 0.5, mark.y1 - 0.5],
      ].map((p) => toAlignedCoordinates(quad, 128, p as [number, number]));
      const xs = corners.map((c) => c[0]);
      const ys = corners.map((c) => c[1]);
      const [x0, x1, y0, y1] = [
        Math.min(...xs) - 3,
        Math.max(...xs) + 3,
        Math.min(...ys) - 3,
        Math.max(...ys) + 3,
      ];
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < 128; y++) {
        for (let x = 0; x < 128; x++) {
          const i = (y * 128 + x) * 3;
          const differs = [0, 1, 2].some((c) => a.data[i + c] !== b.data[i + c]);
          if (!differs) continue;
          if (x >= x0 && x <= x1 && y >= y0 && y <= y1) inside++;
          else outside++;
        }
      }
      expect(outside, name).toBe(0);
      expect(inside, name).toBeGreaterThan(30);
    }
  });

  test('resume: a second run writes nothing; a video whose frames were deleted is redone alone', async () => {
    const before = files();
    const again = await runProgram('faceforensics', args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^train: 1 of 1 video\(s\) done \(1 finished before\), 5 frame pair/m,
    );
    expect(again.stdout).toMatch(
      /^val: 1 of 1 video\(s\) done \(1 finished before\), 3 frame pair/m,
    );
    expect(again.stdout).toMatch(
      /^test: 1 of 2 video\(s\) done \(1 finished before\), 2 frame pair/m,
    );
    expect(again.stdout).toMatch(/^0 frame pair\(s\) read/m);
    expect(files()).toEqual(before);

    rmSync(join(out, 'manipulated', 'test', '005_006_002.png'));
    const redo = await runProgram('faceforensics', args);
    expect(redo.code).toBe(0);
    expect(redo.stdout).toMatch(
      /^test 005_006: 2 of 3 frame pair\(s\) saved, 1 without a face \(skipped\)$/m,
    );
    expect(redo.stdout).toMatch(
      /^test: 1 of 2 video\(s\) done \(0 finished before\), 2 frame pair/m,
    );
    expect(redo.stdout).toMatch(/^3 frame pair\(s\) read/m);
    const after = files();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [f, t] of after) {
      if (f.includes('005_006_')) expect(t).toBeGreaterThan(before.get(f)!);
      else expect(t, f).toBe(before.get(f));
    }
  }, 120_000);

  test('errors: no ffmpeg, a missing root or split file, other options for the same folder', async () => {
    const set = (k: string, v: string) => args.map((a, i) => (args[i - 1] === k ? v : a));
    const [noFfmpeg, noRoot, noSplit, otherSeed] = await Promise.all([
      runProgram('faceforensics', args, { env: { PATH: tmp.dir } }),
      runProgram('faceforensics', set('--raw', join(tmp.dir, 'nothing'))),
      runProgram('faceforensics', set('--splits', tmp.dir)),
      runProgram('faceforensics', [...args, '--seed', '1']),
    ]);
    expect(noFfmpeg.stderr).toMatch(
      /^error: 'ffmpeg' was not found: install FFmpeg \(Debian\/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg\)/m,
    );
    expect(noRoot.stderr).toMatch(
      /^error: FaceForensics\+\+ root \(--raw\) not found: '.*nothing'$/m,
    );
    expect(noSplit.stderr).toMatch(
      /^error: split file not found: '.*train\.json' \(--splits must hold/m,
    );
    // one output folder, one set of options
    expect(otherSeed.stderr).toMatch(/was made with --seed 0; use another --outdir for --seed 1/);
    for (const r of [noFfmpeg, noRoot, noSplit, otherSeed]) expect(r.code).toBe(1);
  });
});
