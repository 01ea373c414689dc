/**
 * The N×2 score matrix every image-level metric reads: row i = [P(class 0), P(class 1)] of
 * sample i, channel index = class id (spec §1.1; with the default `fakeClassId` 0, column 0 is
 * P(fake) and column 1 is P(real)).
 */
import { finiteArray } from './internal/validate.js';

/** A row-major N×2 matrix as one flat array plus its shape (what `tensor.data()` gives). */
export interface FlatScoreMatrix {
  /** `[s00, s01, s10, s11, …]`, length 2·N. */
  readonly data: ArrayLike<number>;
  /** `[N, 2]`. */
  readonly shape: readonly [number, number];
}

/**
 * An N×2 score matrix: N rows of `[P(class 0), P(class 1)]` (`number[][]`, what
 * `tensor.array()` gives), or a {@link FlatScoreMatrix} (cheaper for millions of patches).
 */
export type ScoreMatrix = ArrayLike<ArrayLike<number>> | FlatScoreMatrix;

function isFlat(m: ScoreMatrix): m is FlatScoreMatrix {
  return typeof m === 'object' && m !== null && 'shape' in m && 'data' in m;
}

/** Number of rows of a score matrix (validates its shape). */
export function scoreRows(m: ScoreMatrix, fn = 'scoreRows', name = 'scores'): number {
  if (m == null || typeof m !== 'object') {
    throw new TypeError(`${fn}: ${name} must be an N×2 score matrix, got ${String(m)}`);
  }
  if (isFlat(m)) {
    const [n, c] = m.shape;
    if (c !== 2 || m.data.length !== n * 2) {
      throw new Error(
        `${fn}: ${name} must have shape [N, 2] with 2·N values, got shape [${m.shape}] and ${m.data.length} values`,
      );
    }
    if (n === 0) throw new Error(`${fn}: ${name} is empty`);
    return n;
  }
  if (typeof m.length !== 'number') {
    throw new TypeError(`${fn}: ${name} must be an N×2 score matrix`);
  }
  if (m.length === 0) throw new Error(`${fn}: ${name} is empty`);
  for (let i = 0; i < m.length; i++) {
    const row = m[i];
    if (row == null || row.length !== 2) {
      throw new Error(
        `${fn}: ${name}[${i}] must be a pair [P(class 0), P(class 1)], got ${row == null ? String(row) : `${row.length} values`}`,
      );
    }
  }
  return m.length;
}

/**
 * One column of a score matrix as a new Float64Array (checked finite).
 *
 * @param m - The N×2 score matrix.
 * @param column - 0 or 1.
 * @returns A new array of length N.
 * @throws On a malformed matrix or a non-finite value.
 *
 * @example
 * ```ts doctest
 * import { scoreColumn } from '@patchfx/metrics';
 * Array.from(scoreColumn([[0.9, 0.1], [0.2, 0.8]], 1)); // => [0.1, 0.8]
 * Array.from(scoreColumn({ data: [0.9, 0.1, 0.2, 0.8], shape: [2, 2] }, 0)); // => [0.9, 0.2]
 * ```
 */
export function scoreColumn(m: ScoreMatrix, column: 0 | 1, fn = 'scoreColumn'): Float64Array {
  if (column !== 0 && column !== 1) {
    throw new Error(`${fn}: column must be one of 0 | 1, got ${JSON.stringify(column)}`);
  }
  const n = scoreRows(m, fn);
  const out = new Float64Array(n);
  if (isFlat(m)) {
    for (let i = 0; i < n; i++) out[i] = m.data[2 * i + column];
  } else {
    for (let i = 0; i < n; i++) out[i] = m[i][column];
  }
  return finiteArray(out, `scores[:, ${column}]`, fn);
}
