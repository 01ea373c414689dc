import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PNG } from 'pngjs';
import { makeTempDir } from '@patchfx/test-utils';
import { centerCrop, normalizeImage, resizeShorterSide } from '@patchfx/data';
import {
  createBatchLoader,
  discoverImages,
  loadImageFile,
  type LoadedBatch,
} from '@patchfx/data/node';

let dir: string;
let remove: () => void;
let real: string[];
let fake: string[];

function writePng(path: string, w: number, h: number, seed: number) {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++)
    png.data.set([(i * 7 + seed * 31) & 255, (i * 3 + seed) & 255, seed & 255, 255], i * 4);
  writeFileSync(path, PNG.sync.write(png));
}

beforeAll(async () => {
  ({ dir, remove } = makeTempDir('patchfx-loader-'));
  mkdirSync(join(dir, 'real'));
  mkdirSync(join(dir, 'fake'));
  for (let i = 0; i < 5; i++) writePng(join(dir, `real/r${i}.png`), 20, 16, i);
  for (let i = 0; i < 9; i++) writePng(join(dir, `fake/f${i}.png`), 16, 16, 100 + i);
  real = (await discoverImages(join(dir, 'real'))).files;
  fake = (await discoverImages(join(dir, 'fake'))).files;
});
afterAll(() => remove());

async function collect(
  workers: number,
  seed: number,
  epoch = 0,
  extra = {},
): Promise<LoadedBatch[]> {
  const loader = createBatchLoader({
    real,
    fake,
    mode: 'train',
    transform: { loadSize: 14, fineSize: 12, randomCrop: true },
    batchSize: 4,
    seed,
    workers,
    prefetch: 3,
    ...extra,
  });
  try {
    const out: LoadedBatch[] = [];
    for await (const b of loader.epoch(epoch)) out.push(b);
    return out;
  } finally {
    await loader.close();
  }
}

describe('createBatchLoader', () => {
  test('single-thread batches: balanced, labelled, in plan order', async () => {
    const batches = await collect(0, 1);
    expect(batches.map((b) => b.count)).toEqual([4, 4, 4, 4, 2]); // 9 items, 2 pairs per batch
    expect(batches.map((b) => b.index)).toEqual([0, 1, 2, 3, 4]);
    for (const b of batches) {
      const pairs = b.count / 2;
      expect(Array.from(b.labels)).toEqual([...Array(pairs).fill(1), ...Array(pairs).fill(0)]);
      expect(b.paths.slice(0, pairs).every((p) => p.includes('/real/'))).toBe(true);
      expect(b.paths.slice(pairs).every((p) => p.includes('/fake/'))).toBe(true);
      expect(b.images.length).toBe(b.count * 12 * 12 * 3);
      expect(b.images.every((v) => v >= -1 && v <= 1)).toBe(true);
    }
    // every fake once per epoch; reals cycle
    const fakes = batches.flatMap((b) => b.paths.slice(b.count / 2)).sort();
    expect(fakes).toEqual([...fake].sort());
  });
  test('workers give exactly the single-thread batches, for a seed, whatever the timing', async () => {
    const a = await collect(0, 7, 2);
    const b = await collect(2, 7, 2);
    const c = await collect(1, 7, 2);
    for (const other of [b, c]) {
      expect(other.map((x) => x.paths)).toEqual(a.map((x) => x.paths));
      other.forEach((x, i) => expect(x.images).toEqual(a[i].images));
    }
    const d = await collect(2, 8, 2);
    expect(d.map((x) => x.paths)).not.toEqual(a.map((x) => x.paths));
  }, 60_000);
  test('an epoch started at batch k (a resume) gives exactly batches k… of the whole epoch', async () => {
    const whole = await collect(1, 7, 3);
    const loader = createBatchLoader({
      real,
      fake,
      mode: 'train',
      transform: { loadSize: 14, fineSize: 12, randomCrop: true },
      batchSize: 4,
      seed: 7,
      workers: 1,
    });
    try {
      const tail: LoadedBatch[] = [];
      for await (const b of loader.epoch(3, 3)) tail.push(b);
      expect(tail.map((b) => b.index)).toEqual([3, 4]);
      expect(tail.map((b) => b.paths)).toEqual(whole.slice(3).map((b) => b.paths));
      tail.forEach((b, i) => expect(b.images).toEqual(whole[3 + i].images));
    } finally {
      await loader.close();
    }
  }, 60_000);
  test('close() with worker replies on the way resolves (the process does not end before it)', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const script = fileURLToPath(new URL('./fixtures/close-while-busy.ts', import.meta.url));
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(
        process.execPath,
        [
          '--conditions=@patchfx/source',
          '--import',
          tsx,
          script,
          join(dir, 'real'),
          join(dir, 'fake'),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('closed\n');
    }
  }, 120_000);
  test('validation: no shuffle, deterministic transform = resize + centre crop', async () => {
    const loader = createBatchLoader({
      real,
      fake,
      mode: 'val',
      transform: { loadSize: 16 },
      batchSize: 4,
      workers: 1,
    });
    try {
      expect(loader.size).toBe(16);
      const first = (await loader.epoch(0).next()).value as LoadedBatch;
      expect(first.paths).toEqual([real[0], real[1], fake[0], fake[1]]);
      const expected = normalizeImage(
        centerCrop(resizeShorterSide(await loadImageFile(real[0]), 16), 16),
      );
      expect(first.images.subarray(0, 16 * 16 * 3)).toEqual(expected);
    } finally {
      await loader.close();
    }
  }, 60_000);
  test("onError 'skip' drops the bad file's pair, warns once per file, counts it; 'throw' names it", async () => {
    const bad = join(dir, 'bad');
    mkdirSync(join(bad, 'fake'), { recursive: true });
    writeFileSync(join(bad, 'fake/broken.png'), 'not a png');
    const withBad = [...fake.slice(0, 3), join(bad, 'fake/broken.png')];
    const warnings: string[] = [];
    const loader = createBatchLoader({
      real: real.slice(0, 4),
      fake: withBad,
      mode: 'val',
      transform: { loadSize: 8 },
      batchSize: 8,
      workers: 2,
      onError: 'skip',
      onWarning: (m) => warnings.push(m),
    });
    try {
      for (let e = 0; e < 2; e++) {
        const batches = [];
        for await (const b of loader.epoch(e)) batches.push(b);
        expect(batches).toHaveLength(1);
        expect(batches[0].count).toBe(6);
        expect(batches[0].paths).not.toContain(join(bad, 'fake/broken.png'));
        expect(batches[0].paths).not.toContain(real[3]); // its partner went with it
      }
      expect(loader.skippedFiles).toEqual([join(bad, 'fake/broken.png')]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/skipping bad file: cannot decode '.*broken\.png': not an image/);
    } finally {
      await loader.close();
    }
    for (const workers of [0, 2]) {
      const strict = createBatchLoader({
        real,
        fake: withBad,
        mode: 'val',
        transform: { loadSize: 8 },
        batchSize: 8,
        workers,
      });
      try {
        await expect(async () => {
          for await (const _ of strict.epoch(0)) void _;
        }).rejects.toThrow(/cannot decode '.*broken\.png': not an image/);
      } finally {
        await strict.close();
      }
    }
  }, 60_000);
  test('close is idempotent and stops further epochs; bad options are errors', async () => {
    const loader = createBatchLoader({
      real,
      fake,
      mode: 'val',
      transform: { loadSize: 8 },
      batchSize: 4,
      workers: 2,
    });
    const it = loader.epoch(0);
    await it.next();
    await loader.close();
    await loader.close();
    await expect(async () => {
      for await (const _ of loader.epoch(1)) void _;
    }).rejects.toThrow(/closed/);
    expect(() => createBatchLoader({ real: [], fake, mode: 'val' })).toThrow(
      /needs real and fake files, got 0 real/,
    );
    expect(() => createBatchLoader({ real, fake, mode: 'val', workers: -1 })).toThrow(
      /workers must be an integer ≥ 0/,
    );
  });
});
