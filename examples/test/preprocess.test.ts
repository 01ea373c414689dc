import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeImage } from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import { makeTempDir } from '@patchfx/test-utils';
import { runProgram, writeToyDataset } from './helpers.js';

describe('preprocess program', () => {
  test('centre-crops, resizes and re-encodes a tree, listing bad files with a non-zero exit', async () => {
    const { dir, remove } = makeTempDir();
    try {
      writeToyDataset(join(dir, 'in'), { size: 40, perSplit: 2 });
      mkdirSync(join(dir, 'in', 'broken'));
      writeFileSync(join(dir, 'in', 'broken', 'x.png'), 'not a png');
      const r = await runProgram('preprocess', [join(dir, 'in'), join(dir, 'out'), '--size', '24', '--format', 'jpeg', '--quality', '75']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/12 image\(s\) written/);
      expect(r.stdout).toMatch(/1 bad file\(s\) skipped:\n\s+.*broken[/\\]x\.png/);
      await initNodeCodecs();
      const img = await decodeImage(new Uint8Array(readFileSync(join(dir, 'out', 'fake', 'val', 'fake_val_1.jpg'))));
      expect([img.width, img.height]).toEqual([24, 24]);
    } finally {
      remove();
    }
  });
});
