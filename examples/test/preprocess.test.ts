import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeImage } from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';
import { runProgram, writeToyDataset } from './helpers.js';

describe('preprocess program', () => {
  test('centre-crops, resizes and re-encodes a tree, listing bad files with a non-zero exit', async () => {
    const { dir, remove } = makeTempDir();
    try {
      writeToyDataset(join(dir, 'in'), { size: 40, perSplit: 2 });
      mkdirSync(join(dir, 'in', 'broken'));
      writeFileSync(join(dir, 'in', 'broken', 'x.png'), 'not a png');
      const r = await runProgram('preprocess', [
        join(dir, 'in'),
        join(dir, 'out'),
        '--size',
        '24',
        '--format',
        'jpeg',
        '--quality',
        '75',
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/12 image\(s\) written/);
      expect(r.stdout).toMatch(/1 bad file\(s\) skipped:\n\s+.*broken[/\\]x\.png/);
      await initNodeCodecs();
      const img = await decodeImage(
        new Uint8Array(readFileSync(join(dir, 'out', 'fake', 'val', 'fake_val_1.jpg'))),
      );
      expect([img.width, img.height]).toEqual([24, 24]);
    } finally {
      remove();
    }
  });

  test.skipIf(!hasSharedFaces)(
    '--align crops faces with the FFHQ recipe and lists images without a face',
    async () => {
      const { dir, remove } = makeTempDir();
      try {
        mkdirSync(join(dir, 'in'));
        copyFileSync(
          join(FACES_DEV_DIR, 'real', 'test', 'alae_00015.png'),
          join(dir, 'in', 'face.png'),
        );
        writeToyDataset(join(dir, 'flat'), { size: 48, perSplit: 1 });
        copyFileSync(
          join(dir, 'flat', 'real', 'test', 'real_test_0.png'),
          join(dir, 'in', 'noise.png'),
        );
        const r = await runProgram('preprocess', [
          join(dir, 'in'),
          join(dir, 'out'),
          '--size',
          '64',
          '--align',
          '--backend',
          'wasm',
        ]);
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(/1 image\(s\) without a face skipped:\n\s+.*noise\.png/);
        expect(r.stdout).toMatch(/1 image\(s\) written/);
        expect(readdirSync(join(dir, 'out'))).toEqual(['face.png']);
      } finally {
        remove();
      }
    },
  );
});
