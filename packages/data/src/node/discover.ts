import { isGroundTruthFile } from '../ground-truth.js';
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

/** File extensions the reference reads (spec §3.2), compared case-insensitively. */
export const IMAGE_EXTENSIONS = Object.freeze([
  '.png',
  '.jpg',
  '.jpeg',
  '.ppm',
  '.bmp',
  '.tif',
  '.tiff',
] as const);

/** Options of {@link discoverImages}. */
export interface DiscoverOptions {
  /** Keep only the first N files of the sorted list (`--max_dataset_size`). @defaultValue Infinity */
  readonly maxDatasetSize?: number;
  /**
   * A file-list cache: `true` writes `<dir>.txt` beside the folder (the reference's place), a
   * string names the cache file. It is used only while it matches the folder (same file list,
   * sizes and modification times); otherwise it is rebuilt. @defaultValue false
   */
  readonly cache?: boolean | string;
}

const isImage = (name: string) => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function layoutHint(dir: string): string {
  return `expected image files (${IMAGE_EXTENSIONS.join(' ')}) under '${dir}'; the reference layout is <real_im_path>/{train,val,test} and <fake_im_path>/{train,val,test}`;
}

interface Entry {
  path: string;
  size: number;
  mtimeMs: number;
}

async function walk(root: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string) => {
    const real = await realpath(dir);
    if (seen.has(real)) return; // symlink cycle or a folder reached twice
    seen.add(real);
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const p = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const s = await stat(p);
          isDir = s.isDirectory();
          isFile = s.isFile();
        } catch {
          continue; // dangling link
        }
      }
      // Hidden folders (`.truth/` ground truth beside images, `.git`, …) hold no data.
      if (isDir) {
        if (!e.name.startsWith('.')) await visit(p);
      } else if (isFile && isImage(e.name) && !isGroundTruthFile(p)) {
        const s = await stat(p);
        out.push({ path: p, size: s.size, mtimeMs: s.mtimeMs });
      }
    }
  };
  await visit(root);
  return out;
}

function fingerprint(root: string, entries: readonly Entry[]): string {
  const h = createHash('sha256');
  for (const e of entries)
    h.update(`${relative(root, e.path)}\0${e.size}\0${Math.round(e.mtimeMs)}\n`);
  return h.digest('hex');
}

/** What {@link discoverImages} found. */
export interface DiscoveredImages {
  /** Absolute paths, sorted by byte order, cut to `maxDatasetSize`. */
  readonly files: string[];
  /** `'walk'` when the folder was walked (and the cache, if any, rewritten), `'cache'` when a valid cache was used. */
  readonly source: 'walk' | 'cache';
}

/**
 * Finds the images under a folder, recursively (following symlinks, guarded against cycles),
 * keeping the reference's extensions in any case, sorted by byte order (deterministic on every
 * platform), cut to `maxDatasetSize`.
 *
 * With `cache`, the list is stored with a fingerprint of the folder (relative paths, sizes,
 * modification times). A cache is used only when the folder still has the same fingerprint:
 * a stale cache is rebuilt, never silently used (the reference's bug, spec §10.6). The folder is
 * still walked to check, but no image is opened.
 *
 * @param dir - The folder, e.g. `<real_im_path>/train`.
 * @returns The sorted files and where the list came from.
 * @throws When the folder is missing, not a folder, or has no images; the message names the
 *   path and the expected layout.
 */
export async function discoverImages(
  dir: string,
  options: DiscoverOptions = {},
): Promise<DiscoveredImages> {
  const root = resolve(dir);
  let s;
  try {
    s = await stat(root);
  } catch {
    throw new Error(`image folder '${root}' does not exist: ${layoutHint(root)}`);
  }
  if (!s.isDirectory()) throw new Error(`'${root}' is not a folder: ${layoutHint(root)}`);
  const max = options.maxDatasetSize ?? Infinity;
  if (!(max >= 1)) throw new Error(`maxDatasetSize must be ≥ 1, got ${max}`);
  const entries = (await walk(root)).sort((a, b) => byteOrder(a.path, b.path));
  if (entries.length === 0) throw new Error(`no images in '${root}': ${layoutHint(root)}`);
  const files = entries.slice(0, Math.min(entries.length, max)).map((e) => e.path);
  if (!options.cache) return { files, source: 'walk' };
  const cachePath = typeof options.cache === 'string' ? resolve(options.cache) : `${root}.txt`;
  const fp = fingerprint(root, entries);
  const header = `# patchfx file list v1 fingerprint=${fp} max=${max}`;
  try {
    const text = await readFile(cachePath, 'utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    if (lines[0] === header) {
      const cached = lines.slice(1).map((l) => resolve(dirname(root), l));
      if (cached.length === files.length && cached.every((c, i) => c === files[i])) {
        return { files: cached, source: 'cache' };
      }
    }
  } catch {
    // no cache yet
  }
  const body = files.map((f) => relative(dirname(root), f)).join('\n');
  await writeFile(cachePath, `${header}\n${body}\n`);
  return { files, source: 'walk' };
}

/** The train/val/test folders of one side of the reference layout. */
export const PARTITIONS = Object.freeze(['train', 'val', 'test'] as const);
export type Partition = (typeof PARTITIONS)[number];

/**
 * Finds the real and fake images of one partition of the reference layout:
 * `<realRoot>/<partition>` and `<fakeRoot>/<partition>`.
 *
 * @returns Sorted absolute paths of both sides.
 * @throws When either folder is missing or empty (the message names it and the layout).
 */
export async function discoverPairedSplit(
  realRoot: string,
  fakeRoot: string,
  partition: Partition,
  options: DiscoverOptions = {},
): Promise<{ real: string[]; fake: string[] }> {
  // Both are read at once; when both fail, the real folder's error is the one reported, so the
  // message does not depend on which read lost the race.
  const [real, fake] = await Promise.allSettled([
    discoverImages(join(realRoot, partition), options),
    discoverImages(join(fakeRoot, partition), options),
  ]);
  if (real.status === 'rejected') throw real.reason;
  if (fake.status === 'rejected') throw fake.reason;
  return { real: real.value.files, fake: fake.value.files };
}
