import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { PNG } from 'pngjs';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';
import { encodeJpeg, ImageDecodeError } from '@patchfx/data';
import {
  auditFiles,
  discoverImages,
  discoverPairedSplit,
  initNodeCodecs,
  loadImageFile,
  readImageFile,
} from '@patchfx/data/node';
import { noiseImage, readFixture } from './helpers.js';

const temps: Array<() => void> = [];
afterEach(() => temps.splice(0).forEach((r) => r()));
function tempDir() {
  const t = makeTempDir('patchfx-data-');
  temps.push(t.remove);
  return t.dir;
}

function pngBytes(w: number, h: number, fill: number): Buffer {
  const png = new PNG({ width: w, height: h });
  png.data.fill(fill);
  return PNG.sync.write(png);
}

describe('discoverImages', () => {
  test('recursive, reference extensions in any case, byte-order sorted, maxDatasetSize', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'b/sub'), { recursive: true });
    mkdirSync(join(dir, 'a'));
    const names = [
      'b/sub/x.PNG',
      'a/z.jpg',
      'a/Y.JPEG',
      'c.ppm',
      'd.BMP',
      'e.tif',
      'f.TIFF',
      'B.png',
    ];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, 'a/img.webp'), 'x');
    const { files } = await discoverImages(dir);
    const rel = files.map((f) => f.slice(dir.length + 1));
    expect(rel).toEqual([
      'B.png',
      'a/Y.JPEG',
      'a/z.jpg',
      'b/sub/x.PNG',
      'c.ppm',
      'd.BMP',
      'e.tif',
      'f.TIFF',
    ]);
    expect((await discoverImages(dir, { maxDatasetSize: 3 })).files).toEqual(files.slice(0, 3));
  });
  test("skips hidden folders and the synthetic benchmark's ground-truth files", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.truth'));
    mkdirSync(join(dir, '.git'));
    for (const n of ['a.png', 'b.labels.png', 'c.trace.png', '.truth/a.labels.png', '.git/x.png'])
      writeFileSync(join(dir, n), 'x');
    const rel = (await discoverImages(dir)).files.map((f) => f.slice(dir.length + 1));
    expect(rel).toEqual(['a.png']);
  });
  test('follows symlinks and survives a symlink cycle', async () => {
    const dir = tempDir();
    const other = tempDir();
    writeFileSync(join(other, 'linked.png'), 'x');
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real/a.png'), 'x');
    symlinkSync(other, join(dir, 'link'));
    symlinkSync(dir, join(dir, 'real/loop')); // cycle
    const rel = (await discoverImages(dir)).files.map((f) => f.slice(dir.length + 1));
    expect(rel).toEqual(['link/linked.png', 'real/a.png']);
  });
  test('missing folder, a file instead of a folder, and an empty folder: errors name the path and layout', async () => {
    const dir = tempDir();
    await expect(discoverImages(join(dir, 'nope'))).rejects.toThrow(
      new RegExp(
        `image folder '${join(dir, 'nope')}' does not exist: .*<real_im_path>/\\{train,val,test\\}`,
      ),
    );
    writeFileSync(join(dir, 'f.png'), 'x');
    await expect(discoverImages(join(dir, 'f.png'))).rejects.toThrow(/is not a folder/);
    mkdirSync(join(dir, 'empty/sub'), { recursive: true });
    writeFileSync(join(dir, 'empty/sub/readme.md'), 'x');
    await expect(discoverImages(join(dir, 'empty'))).rejects.toThrow(
      new RegExp(`no images in '${join(dir, 'empty')}': .*<fake_im_path>/\\{train,val,test\\}`),
    );
    await expect(discoverPairedSplit(join(dir, 'r'), join(dir, 'f'), 'train')).rejects.toThrow(
      /r\/train' does not exist/,
    );
  });
  test('the file-list cache is used while valid and rebuilt when the folder changes', async () => {
    const root = tempDir();
    const dir = join(root, 'train');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.png'), 'x');
    writeFileSync(join(dir, 'b.png'), 'x');
    const first = await discoverImages(dir, { cache: true });
    expect(first.source).toBe('walk');
    const again = await discoverImages(dir, { cache: true });
    expect(again).toEqual({ files: first.files, source: 'cache' });
    // add a file: the stale cache must not win
    writeFileSync(join(dir, 'c.png'), 'x');
    const added = await discoverImages(dir, { cache: true });
    expect(added.source).toBe('walk');
    expect(added.files.map((f) => f.slice(dir.length + 1))).toEqual(['a.png', 'b.png', 'c.png']);
    // replace a file's contents (same name): rebuilt too
    writeFileSync(join(dir, 'a.png'), 'xyz');
    utimesSync(join(dir, 'a.png'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect((await discoverImages(dir, { cache: true })).source).toBe('walk');
    expect((await discoverImages(dir, { cache: true })).source).toBe('cache');
    // remove a file
    rmSync(join(dir, 'b.png'));
    const removed = await discoverImages(dir, { cache: true });
    expect(removed.files.map((f) => f.slice(dir.length + 1))).toEqual(['a.png', 'c.png']);
    // a different maxDatasetSize is not served from a cache made without it
    expect((await discoverImages(dir, { cache: true, maxDatasetSize: 1 })).files).toHaveLength(1);
    // a hand-edited cache (the reference's format) is not trusted
    writeFileSync(`${dir}.txt`, 'train/a.png\n');
    expect((await discoverImages(dir, { cache: true })).files).toHaveLength(2);
  });
});

describe('loadImageFile', () => {
  test('PNG and JPEG files written here', async () => {
    await initNodeCodecs();
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), pngBytes(4, 3, 77));
    writeFileSync(join(dir, 'b.jpg'), await encodeJpeg(noiseImage(9, 7), 90));
    const a = await loadImageFile(join(dir, 'a.png'));
    expect([a.width, a.height, a.data[0]]).toEqual([4, 3, 77]);
    const b = await loadImageFile(join(dir, 'b.jpg'));
    expect([b.width, b.height]).toEqual([9, 7]);
  });
  test('bad files: corrupt, truncated, zero-byte, non-image, unsupported, missing, folder', async () => {
    const dir = tempDir();
    const png = readFixture('decode/png_rgb8.png');
    const jpg = readFixture('decode/jpeg_progressive_q85.jpg');
    const cases: Array<[string, Uint8Array | null, RegExp]> = [
      ['zero.png', new Uint8Array(0), /empty \(0 bytes\)/],
      ['text.jpg', new TextEncoder().encode('hello, world'), /not an image/],
      ['cut.png', png.slice(0, png.length - 30), /truncated PNG/],
      ['cut.jpg', jpg.slice(0, jpg.length - 100), /truncated JPEG/],
      [
        'crc.png',
        (() => {
          const b = png.slice();
          b[40] ^= 0x55;
          return b;
        })(),
        /corrupt PNG/,
      ],
      ['tiff.tif', readFixture('decode/other_rgb.tif'), /unsupported format TIFF/],
      ['missing.png', null, /no such file/],
    ];
    for (const [name, bytes, re] of cases) {
      if (bytes) writeFileSync(join(dir, name), bytes);
      const err = await loadImageFile(join(dir, name)).catch((e) => e);
      expect(err, name).toBeInstanceOf(ImageDecodeError);
      expect(err.message, name).toContain(join(dir, name));
      expect(err.message, name).toMatch(re);
    }
    mkdirSync(join(dir, 'folder.png'));
    await expect(loadImageFile(join(dir, 'folder.png'))).rejects.toThrow(/is a folder/);
  });

  test('readImageFile: the bytes as written; read errors name the file', async () => {
    const dir = tempDir();
    const bytes = new Uint8Array([1, 2, 3, 250]);
    writeFileSync(join(dir, 'x.bin'), bytes);
    expect(Array.from(await readImageFile(join(dir, 'x.bin')))).toEqual([1, 2, 3, 250]);
    mkdirSync(join(dir, 'folder.png'));
    for (const [name, re] of [
      ['missing.png', /no such file/],
      ['folder.png', /is a folder, not a file/],
    ] as const) {
      const err = await readImageFile(join(dir, name)).catch((e) => e);
      expect(err, name).toBeInstanceOf(ImageDecodeError);
      expect(err.message, name).toContain(join(dir, name));
      expect(err.message, name).toMatch(re);
    }
  });
});

describe('auditFiles', () => {
  test('flags PNG reals vs JPEG q90 fakes of another size', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    mkdirSync(join(dir, 'fake'));
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(dir, `real/${i}.png`), pngBytes(16, 16, 10 * i));
      writeFileSync(join(dir, `fake/${i}.jpg`), await encodeJpeg(noiseImage(24, 24, i), 90));
    }
    writeFileSync(join(dir, 'fake/bad.jpg'), 'oops');
    const real = (await discoverImages(join(dir, 'real'))).files;
    const fake = (await discoverImages(join(dir, 'fake'))).files;
    const audit = await auditFiles(real, fake);
    expect(audit.real.formats).toEqual({ png: 4 });
    expect(audit.fake.formats).toEqual({ jpeg: 4, unknown: 1 });
    expect(audit.fake.jpegQualities).toEqual({ 90: 4 });
    expect(audit.fake.subsampling).toEqual({ '4:2:0': 4 });
    expect(audit.warnings).toContain('formats differ: real png vs fake jpeg (4), unknown (1)');
    expect(audit.warnings).toContain('image sizes differ: real 16x16 vs fake 24x24 (4)');
    expect(audit.warnings).toContain(
      'only the fake images include JPEGs (q≈90): a detector can learn JPEG compression instead of generator artefacts',
    );
    expect(audit.warnings).toContain('1 fake file(s) unreadable');
    expect(audit.fake.unreadable[0]).toMatch(/bad\.jpg: not an image/);
  });

  test('a sampled audit reports the true class counts and says it sampled', async () => {
    // 3 reals, 9 fakes (the last 4 a different size), at most 4 files audited per side.
    const dir = tempDir();
    const real = [0, 1, 2].map((i) => join(dir, `r${i}.png`));
    const fake = Array.from({ length: 9 }, (_, i) => join(dir, `f${i}.png`));
    real.forEach((f, i) => writeFileSync(f, pngBytes(16, 16, 10 * i)));
    fake.forEach((f, i) => writeFileSync(f, pngBytes(i < 5 ? 16 : 24, 16, 10 * i)));
    const audit = await auditFiles(real, fake, { maxFiles: 4 });
    expect([audit.real.count, audit.real.total]).toEqual([3, 3]);
    expect([audit.fake.count, audit.fake.total]).toEqual([4, 9]);
    // An even sample over the whole list (indices 0, 2, 4, 6), not the first 4 files.
    expect(audit.fake.sizes).toEqual({ '16x16': 3, '24x16': 1 });
    expect(audit.warnings).toContain(
      'class imbalance: 3 real vs 9 fake (paired batches cycle the smaller side)',
    );
    expect(audit.notes).toContain(
      'audited an even sample of 4 of 9 fake files (the other figures count the sample)',
    );
    // Not sampled: no note, and the counts are the totals.
    const whole = await auditFiles(real, fake);
    expect([whole.fake.count, whole.fake.total]).toEqual([9, 9]);
    expect(whole.notes.some((n) => n.startsWith('audited'))).toBe(false);
  });
});

describe.skipIf(!hasSharedFaces)('shared/faces-dev', () => {
  test('discovers, loads and audits the set (README: PNG 128×128 both sides, 1:4, hidden history)', async () => {
    const train = await discoverPairedSplit(
      join(FACES_DEV_DIR, 'real'),
      join(FACES_DEV_DIR, 'fake'),
      'train',
    );
    expect([train.real.length, train.fake.length]).toEqual([44, 180]);
    const img = await loadImageFile(train.fake[0]);
    expect([img.width, img.height]).toEqual([128, 128]);
    const real = (await discoverImages(join(FACES_DEV_DIR, 'real'))).files;
    const fake = (await discoverImages(join(FACES_DEV_DIR, 'fake'))).files;
    // As the train program audits: at most 200 files per side.
    const audit = await auditFiles(real, fake, { maxFiles: 200 });
    expect(audit.real).toMatchObject({
      count: 73,
      total: 73,
      formats: { png: 73 },
      sizes: { '128x128': 73 },
      bitDepths: { 8: 73 },
      colors: { rgb: 73 },
    });
    expect(audit.fake).toMatchObject({
      count: 200,
      total: 300,
      formats: { png: 200 },
      sizes: { '128x128': 200 },
      bitDepths: { 8: 200 },
    });
    expect(audit.warnings).toEqual([
      'class imbalance: 73 real vs 300 fake (paired batches cycle the smaller side)',
    ]);
    expect(audit.notes[0]).toBe(
      'audited an even sample of 200 of 300 fake files (the other figures count the sample)',
    );
    expect(audit.notes[1]).toMatch(
      /both sides are png at 128x128: the files do not show earlier history/,
    );
  });
});
