/**
 * The train program's TensorBoard event files, read by an independent reader
 * (examples/train/python/read_events.py on Debian's /usr/bin/python3: google.protobuf, crcmod,
 * Pillow), against the run's own log.jsonl.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '@patchfx/models';
import { trainingVisuals } from '../train/src/tensorboard.js';
import { readTrainingLog } from '@patchfx/example-common';
import { ROOT, TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const READER = join(ROOT, 'examples/train/python/read_events.py');

interface ReadEvent {
  step: number;
  file_version?: string;
  session_log?: string;
  values?: { tag: string; simple_value?: number; image?: Record<string, unknown> }[];
}

function readEvents(path: string, images: string): ReadEvent[] {
  const r = spawnSync(PYTHON, [READER, '--images', images, path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ReadEvent);
}

/** tag → step → value, of the scalar events. */
function scalars(events: ReadEvent[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const e of events) {
    for (const v of e.values ?? []) {
      if (v.simple_value === undefined) continue;
      if (!out.has(v.tag)) out.set(v.tag, new Map());
      out.get(v.tag)!.set(e.step, v.simple_value);
    }
  }
  return out;
}

/**
 * Checks the Visuals grid with NumPy: 5 columns × 4 rows of 32-px tiles between 2-px black lines;
 * with 2 fakes and 2 reals in a batch of 4, columns 3–5 are white; each overlay tile is
 * 0.3·JET + 0.5·the tile above it, so within [0.5·x − 1, 0.5·x + 0.3·255 + 1].
 */
const GRID_CHECK = `
import sys, json, numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1]).convert('RGB')).astype(float)
t, p = 32, 2
tile = lambda r, c: a[p + r * (t + p): p + r * (t + p) + t, p + c * (t + p): p + c * (t + p) + t]
lines = np.concatenate([a[[p * 0 + k * (t + p) + j for k in range(5) for j in range(p)]].ravel(),
                        a[:, [k * (t + p) + j for k in range(6) for j in range(p)]].ravel()])
ok_overlay = True
for r in (1, 3):
    for c in (0, 1):
        x, o = tile(r - 1, c), tile(r, c)
        ok_overlay &= bool(np.all(o >= 0.5 * x - 1) and np.all(o <= 0.5 * x + 0.3 * 255 + 1) and np.any(o != x))
print(json.dumps({
  'lines_black': bool(np.all(lines == 0)),
  'blank_white': all(bool(np.all(tile(r, c) == 255)) for r in range(4) for c in (2, 3, 4)),
  'inputs_not_blank': all(bool(np.any(tile(r, c) != 255)) for r in (0, 2) for c in (0, 1)),
  'overlays': ok_overlay,
}))
`;

describe('train program: TensorBoard', () => {
  test('scalars as log.jsonl, visuals every display_freq, a resume in a new file; none writes nothing', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'));
      const ck = join(dir, 'ck');
      // A tiny run from `cwd` (TINY_TRAIN turns TensorBoard off; flags after it win).
      const train = (args: string[], cwd: string) =>
        runProgram(
          'train',
          ['--real_im_path', real, '--fake_im_path', fake, ...TINY_TRAIN, ...args],
          { cwd },
        );
      const first = await train(
        [
          '--tensorboard_dir',
          'runs',
          '--checkpoints_dir',
          ck,
          '--name',
          'tb',
          '--print_freq',
          '1',
          '--display_freq',
          '2',
          '--max_steps',
          '3',
        ],
        dir,
      );
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      // Relative to where the command was run.
      const tbDir = join(dir, 'runs', 'tb');
      const [file1] = readdirSync(tbDir);
      expect(file1).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${hostname()}$`));
      const images = join(dir, 'images');
      const ev1 = readEvents(join(tbDir, file1), images);
      expect(ev1[0]).toMatchObject({ file_version: 'brain.Event:2' });
      expect(ev1.some((e) => e.session_log)).toBe(false);

      const log = readTrainingLog(join(ck, 'tb', 'log.jsonl'));
      const s1 = scalars(ev1);
      const f = (x: unknown) => Math.fround(Number(x));
      const trainTags = [
        ['loss/D', 'loss_D'],
        ['acc/D_raw', 'acc_D_raw'],
        ['acc/D_voted', 'acc_D_voted'],
        ['acc/D_avg', 'acc_D_avg'],
        ['lr', 'lr'],
      ] as const;
      expect(log.steps.map((r) => r.step)).toEqual([1, 2, 3]);
      for (const [tag, key] of trainTags) {
        expect([...s1.get(tag)!.entries()], tag).toEqual(log.steps.map((r) => [r.step, f(r[key])]));
      }
      expect(log.epochs.map((r) => r.epoch)).toEqual([0, 1]);
      for (const key of ['loss_D_val', 'acc_D_raw_val', 'acc_D_voted_val', 'acc_D_avg_val']) {
        const tag = key.replace('_', '/');
        expect([...s1.get(tag)!.entries()], tag).toEqual(
          log.epochs.map((r) => [r.epoch, f(r[key])]),
        );
      }
      // The Visuals grid at step 2 only (display_freq 2, 3 steps).
      const visuals = ev1.filter((e) => e.values?.[0].tag === 'Visuals');
      expect(visuals.map((e) => e.step)).toEqual([2]);
      expect(visuals[0].values![0].image).toMatchObject({
        width: 5 * 32 + 6 * 2,
        height: 4 * 32 + 5 * 2,
        colorspace: 3,
        decoded: { format: 'PNG', mode: 'RGB', size: [172, 138] },
      });
      const grid = spawnSync(PYTHON, ['-c', GRID_CHECK, join(images, 'Visuals_2.png')], {
        encoding: 'utf8',
      });
      expect(grid.status, grid.stderr).toBe(0);
      expect(JSON.parse(grid.stdout)).toEqual({
        lines_black: true,
        blank_white: true,
        inputs_not_blank: true,
        overlays: true,
      });

      // Resume: a second file, starting over at step 4 (the checkpoint had 3 batches).
      const second = await runProgram(
        'train',
        [join(ck, 'tb', 'opt.yml'), '--load_model', '--overwrite_config', '--max_steps', '4'],
        { cwd: dir },
      );
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      const files = readdirSync(tbDir).sort();
      expect(files).toHaveLength(2);
      const file2 = files.find((n) => n !== file1)!;
      const ev2 = readEvents(join(tbDir, file2), images);
      expect(ev2.slice(0, 2).map((e) => [e.step, e.file_version ?? e.session_log])).toEqual([
        [0, 'brain.Event:2'],
        [4, 'START'],
      ]);
      const log2 = readTrainingLog(join(ck, 'tb', 'log.jsonl'));
      const s2 = scalars(ev2);
      expect([...s2.get('loss/D')!.entries()]).toEqual([[4, f(log2.steps.at(-1)!.loss_D)]]);
      expect(log2.steps.at(-1)!.step).toBe(4);
      expect([...s2.get('acc/D_raw_val')!.keys()]).toEqual([1]);
      expect(ev2.filter((e) => e.values?.[0].tag === 'Visuals').map((e) => e.step)).toEqual([4]);

      // Off: nothing written, neither in runs/ nor anywhere else.
      const off = await train(
        [
          '--checkpoints_dir',
          join(dir, 'ck-off'),
          '--name',
          'off',
          '--max_steps',
          '2',
          '--display_freq',
          '1',
        ],
        join(dir, 'ck'),
      );
      expect(off.code, off.stderr).toBe(0);
      expect(existsSync(join(dir, 'ck', 'runs'))).toBe(false);
      const all = readdirSync(dir, { recursive: true }).map(String);
      expect(all.filter((p) => p.includes('tfevents'))).toEqual(
        [join('runs', 'tb', file1), join('runs', 'tb', file2)].sort(),
      );
    } finally {
      remove();
    }
  });

  test('the Visuals grid: layout for patch and full-image models, P(real) overlays, no leaks', async () => {
    // Image i is flat grey 20·i + 10 (in [-1, 1]: (v / 255)·2 − 1); labels 0 (fake) and 1 (real).
    const labels = [1, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    const grey = labels.map((_, i) => 20 * i + 10);
    const model = buildPatchDiscriminator('xception_relu1');
    const images = tf.tidy(
      () => tf.concat(grey.map((v) => tf.fill([1, 32, 32, 3], (v / 255) * 2 - 1))) as tf.Tensor4D,
    );
    const ids = tf.tensor1d(labels, 'int32');
    try {
      const step = 32 + 2;
      const at = (
        g: { data: Uint8Array | Uint8ClampedArray; width: number },
        r: number,
        c: number,
      ) => g.data[((2 + r * step + 16) * g.width + 2 + c * step + 16) * 3];
      const full = await withNoLeaks(() =>
        trainingVisuals(model, images, ids, { patch: false, fakeClassId: 0 }),
      );
      expect([full.width, full.height]).toEqual([5 * 32 + 6 * 2, 2 * 32 + 3 * 2]);
      const fakes = [1, 2, 4, 5, 6]; // the first five label-0 images
      const reals = [0, 3, 9];
      // Within 1 of the grey: [-1, 1] floats → bytes truncates, as tensorboardX's ×255 → uint8.
      const near = (got: number[], want: number[]) =>
        expect(got.map((g, k) => Math.abs(g - want[k]) <= 1)).toEqual(want.map(() => true));
      const row = (r: number) => [0, 1, 2, 3, 4].map((c) => at(full, r, c));
      near(
        row(0),
        fakes.map((i) => grey[i]),
      );
      near(row(1), [...reals.map((i) => grey[i]), 255, 255]);
      expect(full.data[0]).toBe(0); // the lines between tiles are black

      const patch = await withNoLeaks(() =>
        trainingVisuals(model, images, ids, { patch: true, fakeClassId: 0 }),
      );
      expect([patch.width, patch.height]).toEqual([172, 4 * 32 + 5 * 2]);
      const prow = (r: number) => [0, 1, 2, 3, 4].map((c) => at(patch, r, c));
      near(
        prow(0),
        fakes.map((i) => grey[i]),
      );
      near(prow(2), [...reals.map((i) => grey[i]), 255, 255]);
      // The overlay of a flat image: 0.3·JET(P(real)) + 0.5·grey, per channel.
      const logits = tf.tidy(() =>
        tf.softmax(model.apply(images, { training: true }) as tf.Tensor),
      );
      const pReal = (await logits.array()) as number[][][][];
      logits.dispose();
      const p = pReal[fakes[0]][7][7][1];
      const red = patch.data[((2 + step + 16) * patch.width + 2 + 16) * 3];
      // JET's red channel is 0 below 3/8 and 255 from 5/8 to 7/8: bounds, not a copy of the rule.
      const half = Math.trunc(0.5 * grey[fakes[0]]);
      expect(red).toBeGreaterThanOrEqual(half - 1);
      expect(red).toBeLessThanOrEqual(half + 77);
      if (p < 0.3) expect(red).toBeLessThanOrEqual(half + 1);
      // With fake_class_id 1 the classes swap places and the map is the other channel: image 0
      // (label 1) is now a fake, its overlay drawn from P(class 0) instead of P(class 1).
      const swapped = await trainingVisuals(model, images, ids, { patch: true, fakeClassId: 1 });
      const tileBytes = (g: typeof patch, r: number, c: number) =>
        Array.from({ length: 32 }, (_, y) =>
          Array.from(
            g.data.subarray(
              ((2 + r * step + y) * g.width + 2 + c * step) * 3,
              ((2 + r * step + y) * g.width + 2 + c * step + 32) * 3,
            ),
          ),
        ).flat();
      expect(tileBytes(swapped, 0, 0)).toEqual(tileBytes(patch, 2, 0));
      expect(tileBytes(swapped, 1, 0)).not.toEqual(tileBytes(patch, 3, 0));
      // A batch too big for one pass: the shown images only, in passes of 3; the same inputs.
      const split = await withNoLeaks(() =>
        trainingVisuals(model, images, ids, { patch: true, fakeClassId: 0, passSize: 3 }),
      );
      expect([split.width, split.height]).toEqual([patch.width, patch.height]);
      for (const r of [0, 2]) expect(tileBytes(split, r, 1)).toEqual(tileBytes(patch, r, 1));
    } finally {
      tf.dispose([images, ids]);
      model.dispose();
    }
  });
});
