/**
 * TensorBoard event files, read back by an independent reader: examples/train/python/read_events.py
 * run with Debian's /usr/bin/python3 (google.protobuf descriptors built from TensorFlow's field
 * numbers, crcmod's CRC-32C for the framing, Pillow for the images).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import {
  loadTensorBoardEncoder,
  tensorBoardFileName,
  TENSORBOARD_FILE_VERSION,
} from '../src/index.js';
import { createTensorBoardWriter } from '../src/node/index.js';

const PYTHON = '/usr/bin/python3';
const READER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../examples/train/python/read_events.py',
);

interface ReadEvent {
  offset: number;
  wall_time: number;
  step: number;
  file_version?: string;
  session_log?: string;
  values?: {
    tag: string;
    simple_value?: number;
    image?: {
      width: number;
      height: number;
      colorspace: number;
      decoded: { format: string; mode: string; size: number[] };
    };
  }[];
}

function readEvents(
  path: string,
  ...extra: string[]
): { code: number | null; events: ReadEvent[]; stderr: string } {
  const r = spawnSync(PYTHON, [READER, ...extra, path], { encoding: 'utf8' });
  const events =
    r.status === 0
      ? r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as ReadEvent)
      : [];
  return { code: r.status, events, stderr: r.stderr };
}

/** Pixels of a PNG as Pillow decodes them (RGB bytes). */
function pillowPixels(png: string): number[] {
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys; from PIL import Image; print(list(Image.open(sys.argv[1]).convert("RGB").tobytes()))',
      png,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as number[];
}

describe('TensorBoard event files', () => {
  test('scalars, an image and the file version, as an independent reader sees them', async () => {
    const { dir, remove } = makeTempDir();
    try {
      let ms = 1_700_000_000_250;
      const tb = await createTensorBoardWriter(join(dir, 'runs', 'a'), { now: () => (ms += 500) });
      expect(basename(tb.path)).toBe(`events.out.tfevents.1700000000.${hostname()}`);
      const values = [0.6931471805599453, 1e-7, -3.25, 123456.789];
      values.forEach((v, i) => tb.scalar('loss/D', v, 100 * (i + 1)));
      tb.scalar('lr', 0.001, 0);
      const data = new Uint8Array(3 * 2 * 3).map((_, i) => (i * 37) % 256);
      tb.image('Visuals', { data, width: 3, height: 2, channels: 3 }, 400);
      tb.image('gray', { data: new Uint8Array([0, 128, 255, 7]), width: 2, height: 2 }, 1);
      tb.flush();
      tb.close();
      tb.close();
      expect(() => tb.scalar('x', 1, 1)).toThrow(/closed/);

      const out = join(dir, 'images');
      const { code, events, stderr } = readEvents(tb.path, '--images', out);
      expect(code, stderr).toBe(0);
      expect(events).toHaveLength(1 + values.length + 3);
      expect(events[0]).toMatchObject({ file_version: TENSORBOARD_FILE_VERSION, step: 0 });
      // The clock is read for the name (…0.75 s), then for each event.
      expect(events[0].wall_time).toBeCloseTo(1_700_000_001.25, 6);
      const scalars = events.slice(1, 1 + values.length);
      expect(scalars.map((e) => e.step)).toEqual([100, 200, 300, 400]);
      // float32, as TensorFlow's simple_value
      expect(scalars.map((e) => e.values![0].simple_value)).toEqual(values.map(Math.fround));
      expect(scalars.every((e) => e.values![0].tag === 'loss/D')).toBe(true);
      // wall times increase with the clock
      const walls = events.map((e) => e.wall_time);
      expect(walls).toEqual([...walls].sort((a, b) => a - b));
      const [lr, rgb, gray] = events.slice(1 + values.length);
      expect(lr).toMatchObject({
        step: 0,
        values: [{ tag: 'lr', simple_value: Math.fround(0.001) }],
      });
      expect(rgb.step).toBe(400);
      expect(rgb.values![0]).toMatchObject({
        tag: 'Visuals',
        image: {
          width: 3,
          height: 2,
          colorspace: 3,
          decoded: { format: 'PNG', mode: 'RGB', size: [3, 2] },
        },
      });
      expect(pillowPixels(join(out, 'Visuals_400.png'))).toEqual(Array.from(data));
      expect(gray.values![0].image).toMatchObject({ colorspace: 1, decoded: { mode: 'L' } });
    } finally {
      remove();
    }
  });

  test('a resumed run: a second file in the folder, starting with a SessionLog START', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const now = () => 1_800_000_000_000;
      const first = await createTensorBoardWriter(dir, { now });
      first.scalar('loss/D', 1, 10);
      first.close();
      const second = await createTensorBoardWriter(dir, { now, resumeStep: 6 });
      second.scalar('loss/D', 2, 6);
      second.close();
      // Same second: the name gets a suffix instead of overwriting the first file.
      expect(basename(second.path)).toBe(`${tensorBoardFileName(1_800_000_000, hostname())}.1`);
      expect(readdirSync(dir).sort()).toEqual([basename(first.path), basename(second.path)]);
      const { code, events, stderr } = readEvents(second.path);
      expect(code, stderr).toBe(0);
      expect(
        events.map((e) => [e.step, e.file_version ?? e.session_log ?? e.values![0].tag]),
      ).toEqual([
        [0, TENSORBOARD_FILE_VERSION],
        [6, 'START'],
        [6, 'loss/D'],
      ]);
    } finally {
      remove();
    }
  });

  test('the reader rejects a record whose CRC does not match, naming the byte offset', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const tb = await createTensorBoardWriter(dir);
      tb.scalar('a', 1, 1);
      tb.scalar('a', 2, 2);
      tb.close();
      const bytes = readFileSync(tb.path);
      const intact = readEvents(tb.path);
      expect(intact.code, intact.stderr).toBe(0);
      const second = intact.events[1].offset;
      // Flip one bit in the second record's data.
      bytes[second + 14] ^= 1;
      writeFileSync(tb.path, bytes);
      const r = readEvents(tb.path);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`data CRC mismatch at byte ${second}`);
    } finally {
      remove();
    }
  });

  test('bad events are refused with what is wrong', async () => {
    const encode = await loadTensorBoardEncoder();
    expect(() => encode({ wallTime: 1 })).toThrow(/exactly one of/);
    expect(() =>
      encode({ wallTime: 1, fileVersion: 'x', scalars: [{ tag: 'a', value: 1 }] }),
    ).toThrow(/exactly one of/);
    expect(() => encode({ wallTime: 1, step: -1, scalars: [{ tag: 'a', value: 1 }] })).toThrow(
      /step must be an integer ≥ 0, got -1/,
    );
    expect(() => encode({ wallTime: 1, step: 1.5, scalars: [{ tag: 'a', value: 1 }] })).toThrow(
      /step must be an integer/,
    );
    expect(() => encode({ wallTime: NaN, fileVersion: 'x' })).toThrow(/wallTime/);
    expect(() => encode({ wallTime: 1, scalars: [{ tag: '', value: 1 }] })).toThrow(
      /scalar tag must be a non-empty string/,
    );
    expect(() =>
      encode({
        wallTime: 1,
        images: [{ tag: 'v', png: new Uint8Array(1), width: 0, height: 1, colorspace: 3 }],
      }),
    ).toThrow(/image 'v': width must be a positive integer, got 0/);
    const { dir, remove } = makeTempDir();
    try {
      const tb = await createTensorBoardWriter(dir);
      expect(() => tb.image('v', { data: new Uint8Array(5), width: 2, height: 2 }, 1)).toThrow();
      tb.close();
    } finally {
      remove();
    }
  });
});
