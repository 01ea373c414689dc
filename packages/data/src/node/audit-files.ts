import { readFile } from 'node:fs/promises';
import { auditDataset, inspectImage, type DatasetAudit, type ImageFileInfo } from '../audit.js';

/**
 * Reads a file's header facts (see `inspectImage`); never throws.
 *
 * @param path - The file.
 * @returns Its facts; `error` is set when it cannot be read.
 */
export async function inspectImageFile(path: string): Promise<ImageFileInfo> {
  try {
    return inspectImage(new Uint8Array(await readFile(path)), path);
  } catch (e) {
    return { file: path, format: 'unknown', fileBytes: 0, error: (e as Error).message };
  }
}

/**
 * `auditDataset` on files: inspects every real and fake file's header (no pixels decoded).
 *
 * @param real - Real image paths.
 * @param fake - Fake image paths.
 * @returns The audit (summaries, warnings, notes).
 */
export async function auditFiles(
  real: readonly string[],
  fake: readonly string[],
): Promise<DatasetAudit> {
  const inspect = async (paths: readonly string[]) => {
    const out: ImageFileInfo[] = [];
    for (const p of paths) out.push(await inspectImageFile(p));
    return out;
  };
  return auditDataset(await inspect(real), await inspect(fake));
}
