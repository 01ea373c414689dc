import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file atomically: `data` goes to a temporary sibling (`<path>.tmp-<pid>-<random>`),
 * which is then renamed over `path`, so a reader (or a process killed mid-write) sees either
 * the old file or the new one complete, never a part. Creates the parent folders. When the
 * write or the rename fails, the temporary file is removed and the error rethrown.
 *
 * The rename is atomic within one file system (POSIX; on Windows it replaces the file too).
 * Nothing is fsynced: it guards against half-written files, not against power loss.
 *
 * @param path - The file to write or replace.
 * @param data - Its new contents (a string is written as UTF-8).
 * @throws The file system's error (naming the path) when the folder or file cannot be written.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from '@patchfx/data/node';
 * writeFileAtomic('out/summary.json', JSON.stringify({ ap: 0.93 }));
 * ```
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
