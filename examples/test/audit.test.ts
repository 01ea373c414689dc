/**
 * The audit program on folders it can tell apart (PNG reals, JPEG fakes) and on folders it
 * cannot, with the exit codes a script relies on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createImage, encodeJpeg, encodePng } from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import { makeTempDir } from '@patchfx/test-utils';
import { runProgram } from './helpers.js';

describe('audit program', () => {
  const tmp = makeTempDir('patchfx-audit-');
  afterAll(() => tmp.remove());
  const image = (seed: number) => {
    const data = new Uint8Array(24 * 24 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 13) % 251;
    return createImage(24, 24, data);
  };
  const write = async (root: string, split: string, n: number, format: 'png' | 'jpeg') => {
    mkdirSync(join(root, split), { recursive: true });
    for (let i = 0; i < n; i++) {
      const im = image(i);
      const bytes = format === 'png' ? encodePng({ ...im, channels: 3 }) : await encodeJpeg(im, 75);
      writeFileSync(join(root, split, `${i}.${format === 'png' ? 'png' : 'jpg'}`), bytes);
    }
  };
  beforeAll(async () => {
    await initNodeCodecs();
    for (const split of ['train', 'val']) {
      await write(join(tmp.dir, 'real'), split, 4, 'png');
      await write(join(tmp.dir, 'fake-png'), split, 4, 'png');
      await write(join(tmp.dir, 'fake-jpeg'), split, 4, 'jpeg');
    }
  });

  test('a JPEG fake side against PNG reals: warnings per split and exit code 1', async () => {
    const r = await runProgram('audit', [
      '--real_im_path',
      join(tmp.dir, 'real'),
      '--fake_im_path',
      join(tmp.dir, 'fake-jpeg'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^train:\n {2}real: 4 file\(s\)\n {4}formats png 4; sizes 24x24 4/m);
    expect(r.stdout).toMatch(/^val:$/m);
    expect(r.stdout).toMatch(/ {2}warning: formats differ: real png vs fake jpeg/);
    expect(r.stdout).toMatch(/JPEG quality ≈ 75 4/);
    expect(r.stdout).toMatch(/warning\(s\) in train, val: read them before training/);
  });

  test('--partition all passes over splits empty on both sides (an export makes all three)', async () => {
    mkdirSync(join(tmp.dir, 'real', 'test'), { recursive: true });
    mkdirSync(join(tmp.dir, 'fake-png', 'test'), { recursive: true });
    const r = await runProgram('audit', [
      '--real_im_path',
      join(tmp.dir, 'real'),
      '--fake_im_path',
      join(tmp.dir, 'fake-png'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^test:$/m);
    expect(r.stdout).toMatch(/no differences between real and fake in train, val$/m);
  });

  test('same format on both sides: exit code 0; --partition and --json', async () => {
    const args = ['--real_im_path', join(tmp.dir, 'real'), '--fake_im_path'];
    const ok = await runProgram('audit', [...args, join(tmp.dir, 'fake-png')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/no differences between real and fake in train, val/);
    const json = await runProgram('audit', [
      ...args,
      join(tmp.dir, 'fake-jpeg'),
      '--partition',
      'val',
      '--json',
    ]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      audits: Record<string, { warnings: string[]; real: { total: number } }>;
    };
    expect(Object.keys(parsed.audits)).toEqual(['val']);
    expect(parsed.audits.val.real.total).toBe(4);
    expect(parsed.audits.val.warnings).toContain('formats differ: real png vs fake jpeg');
  });

  test('missing folders and bad options: one line and exit code 1', async () => {
    const missing = await runProgram('audit', [
      '--real_im_path',
      join(tmp.dir, 'nope'),
      '--fake_im_path',
      join(tmp.dir, 'fake-png'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such folder: .*nope/);
    const max = await runProgram('audit', [
      '--real_im_path',
      join(tmp.dir, 'real'),
      '--fake_im_path',
      join(tmp.dir, 'fake-png'),
      '--max_files',
      '1.5',
    ]);
    expect(max.code).toBe(1);
    expect(max.stderr).toMatch(/--max_files must be 0 \(all\) or a positive integer, got 1.5/);
  });
});
