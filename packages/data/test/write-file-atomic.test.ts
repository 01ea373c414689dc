import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { writeFileAtomic } from '@patchfx/data/node';

const temps: Array<() => void> = [];
afterEach(() => temps.splice(0).forEach((r) => r()));
function tempDir() {
  const t = makeTempDir('patchfx-atomic-');
  temps.push(t.remove);
  return t.dir;
}

describe('writeFileAtomic', () => {
  test('writes a new file (bytes or text), creating its folders, and leaves nothing else', () => {
    const dir = tempDir();
    const path = join(dir, 'a', 'b', 'out.bin');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    writeFileAtomic(join(dir, 'a', 'b', 'out.txt'), 'héllo\n');
    expect(readFileSync(join(dir, 'a', 'b', 'out.txt'), 'utf8')).toBe('héllo\n');
    expect(readdirSync(join(dir, 'a', 'b')).sort()).toEqual(['out.bin', 'out.txt']);
  });

  test('replaces an existing file whole', () => {
    const dir = tempDir();
    const path = join(dir, 'log.jsonl');
    writeFileSync(path, 'a much longer old content\n');
    writeFileAtomic(path, 'new\n');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['log.jsonl']);
  });

  test('on failure it throws, keeps what was there and leaves no temporary file', () => {
    const dir = tempDir();
    // A non-empty folder where the file should go: the temporary file is written, the rename fails.
    const path = join(dir, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'keep.txt'), 'kept');
    expect(() => writeFileAtomic(path, 'data')).toThrow(/taken/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(path, 'keep.txt'), 'utf8')).toBe('kept');
  });
});
