/**
 * The cluster-counts text files of the reference's `segmenter.py` (spec §7.2), `counts.txt` (the
 * top patches' clusters) and `baseline.txt` (the random patches'): lines
 * `<i>: <label>, <count> patches`. Written and read here, so other packages take plain counts.
 */

/** One line of a cluster-counts file. */
export interface ClusterCount {
  /** Cluster (face part) name. */
  readonly label: string;
  /** Number of patches. */
  readonly count: number;
}

/**
 * Formats counts per cluster as a `counts.txt` / `baseline.txt` file: one
 * `<i>: <label>, <count> patches` line per row, in the order given.
 *
 * @param rows - The counts, e.g. by count descending.
 * @returns The file contents (every line ends with `\n`).
 *
 * @example
 * ```ts doctest
 * import { formatClusterCounts } from '@patchfx/segment';
 * formatClusterCounts([{ label: 'skin', count: 120 }, { label: 'mouth', count: 30 }]); // => '0: skin, 120 patches\n1: mouth, 30 patches\n'
 * ```
 */
export function formatClusterCounts(rows: readonly ClusterCount[]): string {
  return rows.map((r, i) => `${i}: ${r.label}, ${r.count} patches\n`).join('');
}

/**
 * Parses a `counts.txt` or `baseline.txt` file (see {@link formatClusterCounts}). Blank lines
 * are skipped; a label seen twice is summed.
 *
 * @param text - The file contents.
 * @returns Count per label.
 * @throws On a line that does not have that form.
 *
 * @example
 * ```ts doctest
 * import { parseClusterCounts } from '@patchfx/segment';
 * parseClusterCounts('0: skin, 120 patches\n1: mouth, 30 patches\n'); // => { skin: 120, mouth: 30 }
 * ```
 */
export function parseClusterCounts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^\s*\d+\s*:\s*(.+?)\s*,\s*(\d+)\s+patch(?:es)?\s*$/.exec(line);
    if (!m)
      throw new Error(
        `line ${i + 1} is not '<i>: <label>, <count> patches': ${JSON.stringify(line)}`,
      );
    out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  });
  return out;
}
