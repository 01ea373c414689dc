import { readFile } from 'node:fs/promises';
import { auditDataset, inspectImage, type DatasetAudit, type ImageFileInfo } from '../audit.js';

/**
 * Reads a file's header facts (see `inspectImage`); never throws.
 *
 * @param path - The file.
 * @returns Its facts; `error` is set when it cannot be read.
 */
async function inspectImageFile(path: string): Promise<ImageFileInfo> {
  try {
    return inspectImage(new Uint8Array(await readFile(path)), path);
  } catch (e) {
    return { file: path, format: 'unknown', fileBytes: 0, error: (e as Error).message };
  }
}

/** Options of {@link auditFiles}. */
export interface AuditFilesOptions {
  /**
   * Inspect at most this many files per side, evenly spaced over the list (a large folder is
   * audited in bounded time); the class counts and the notes still use every file.
   * @defaultValue `Infinity` (every file)
   */
  readonly maxFiles?: number;
}

/** At most `n` items of `xs`, evenly spaced over the whole list (the first one included). */
function evenSample<T>(xs: readonly T[], n: number): readonly T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

/**
 * `auditDataset` on files: inspects every real and fake file's header (no pixels decoded), or
 * an even sample of at most `options.maxFiles` per side.
 *
 * @param real - Real image paths.
 * @param fake - Fake image paths.
 * @param options - `maxFiles`: the sample size per side.
 * @returns The audit (summaries, warnings, notes); when it sampled, `count` is the files
 *   audited, `total` the files given, and the first note says "audited an even sample of …".
 * @throws Error when `maxFiles` is not a positive integer (or `Infinity`).
 */
export async function auditFiles(
  real: readonly string[],
  fake: readonly string[],
  options: AuditFilesOptions = {},
): Promise<DatasetAudit> {
  const max = options.maxFiles ?? Infinity;
  if (max !== Infinity && (!Number.isInteger(max) || max < 1))
    throw new Error(`auditFiles: maxFiles must be a positive integer, got ${max}`);
  const inspect = async (paths: readonly string[]) => {
    const out: ImageFileInfo[] = [];
    for (const p of evenSample(paths, max)) out.push(await inspectImageFile(p));
    return out;
  };
  return auditDataset(await inspect(real), await inspect(fake), {
    realTotal: real.length,
    fakeTotal: fake.length,
  });
}
