import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(path: string): Promise<void> {
  try {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Directory fsync is not supported everywhere (e.g. Windows); the renames still order writes.
  }
}

/**
 * Replaces the folder `dir` with one holding exactly `files`, atomically with respect to
 * crashes: the files are written and fsynced into a temporary sibling folder, then the old
 * folder is renamed aside and the new one renamed into place. A process killed at any moment
 * leaves either the old or the new folder complete; {@link resolveAtomicDir} finds it.
 */
export async function writeFolderAtomic(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  const parent = dirname(dir);
  const name = basename(dir);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${name}.tmp-${tag}`);
  await mkdir(tmp);
  try {
    for (const [file, data] of files) await writeSynced(join(tmp, file), data);
    await syncDir(tmp);
    const old = join(parent, `.${name}.old-${tag}`);
    let moved = false;
    if (existsSync(dir)) {
      await rename(dir, old);
      moved = true;
    }
    await rename(tmp, dir);
    await syncDir(parent);
    if (moved) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  // Leftovers of earlier interrupted saves.
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(`.${name}.tmp-`) || entry.startsWith(`.${name}.old-`)) {
      await rm(join(parent, entry), { recursive: true, force: true });
    }
  }
}

/**
 * The folder to read for `dir`: `dir` itself, or, if a save was killed between its two
 * renames, the previous version kept aside. Resolves `undefined` if neither exists.
 */
export async function resolveAtomicDir(dir: string): Promise<string | undefined> {
  if (existsSync(dir)) return dir;
  const parent = dirname(dir);
  if (!existsSync(parent)) return undefined;
  const name = basename(dir);
  const olds = (await readdir(parent)).filter((e) => e.startsWith(`.${name}.old-`));
  let best: { path: string; mtime: number } | undefined;
  for (const e of olds) {
    const p = join(parent, e);
    const m = (await stat(p)).mtimeMs;
    if (!best || m > best.mtime) best = { path: p, mtime: m };
  }
  return best?.path;
}
