/**
 * The align program on a folder of real photos, a flat grey image (no face) and a broken file.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PNG } from 'pngjs';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';
import { readPng } from '@patchfx/viz/node';
import { runProgram } from './helpers.js';

describe.skipIf(!hasSharedFaces)('align program', () => {
  const tmp = makeTempDir('patchfx-align-');
  afterAll(() => tmp.remove());
  const input = join(tmp.dir, 'raw');

  const setup = () => {
    mkdirSync(join(input, 'celebs'), { recursive: true });
    copyFileSync(
      join(FACES_DEV_DIR, 'real', 'test', 'alae_00015.png'),
      join(input, 'alae_00015.png'),
    );
    copyFileSync(
      join(FACES_DEV_DIR, 'real', 'test', 'alae_00049.png'),
      join(input, 'celebs', 'alae_00049.png'),
    );
    copyFileSync(
      join(FACES_DEV_DIR, 'extra', 'whichfaceisreal', 'real', 'wfir_10286.png'),
      join(input, 'celebs', 'wfir_10286.png'),
    );
    const grey = new PNG({ width: 96, height: 80 });
    grey.data.fill(128);
    writeFileSync(join(input, 'celebs', 'grey.png'), PNG.sync.write(grey));
  };

  test('aligns the faces (keeping relative paths) and lists the image with no face', async () => {
    setup();
    const out = join(tmp.dir, 'aligned');
    const r = await runProgram('align', [
      input,
      out,
      '--size',
      '128',
      '--backend',
      'wasm',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/aligned 3 of 4 images to 128×128/);
    expect(r.stdout).toMatch(/skipped 1 image\(s\) with no face[^\n]*\n {2}celebs\/grey\.png/);
    for (const f of ['alae_00015.png', 'celebs/alae_00049.png', 'celebs/wfir_10286.png']) {
      const png = readPng(join(out, f));
      expect([png.width, png.height, png.channels]).toEqual([128, 128, 3]);
    }
    expect(existsSync(join(out, 'celebs', 'grey.png'))).toBe(false);
    expect(readFileSync(join(out, 'skipped.txt'), 'utf8')).toMatch(
      /^celebs\/grey\.png\tno face found/,
    );
  }, 120_000);

  test('--size sets the crop side; a broken file exits 1 after the rest are done', async () => {
    writeFileSync(join(input, 'broken.png'), 'not a png');
    const out = join(tmp.dir, 'small');
    const r = await runProgram('align', [
      input,
      out,
      '--size',
      '64',
      '--backend',
      'wasm',
      '--quiet',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/aligned 3 of 5 images to 64×64/);
    expect(r.stdout).toMatch(/could not read 1 image\(s\):\n {2}broken\.png: cannot decode/);
    expect(readPng(join(out, 'alae_00015.png')).width).toBe(64);
  }, 120_000);

  test('refuses an output folder inside the input and a wrong argument count', async () => {
    const inside = await runProgram('align', [input, join(input, 'out')]);
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/must not be inside the input folder/);
    const one = await runProgram('align', [input]);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/give an input and an output folder \(got 1 arguments\)/);
  }, 60_000);
});
