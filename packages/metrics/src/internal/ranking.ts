import { binaryTargets, finiteArray, sameLength } from './validate.js';

/**
 * Scores grouped by distinct value, highest first: scikit-learn's `_binary_clf_curve` before
 * the cumulative sums. Sorting positives and negatives separately and merging gives the same
 * groups as sklearn's stable descending sort (within a group the order never matters: only the
 * group totals enter the curves), in O(n log n) with native typed-array sorts.
 */
export interface RankedScores {
  /** Distinct score values, strictly decreasing (sklearn's `thresholds` before reversal). */
  readonly thresholds: Float64Array;
  /** Positives per group. */
  readonly pos: Float64Array;
  /** Negatives per group. */
  readonly neg: Float64Array;
  /** Cumulative positives at each threshold (`tps`). */
  readonly tps: Float64Array;
  /** Cumulative negatives at each threshold (`fps`). */
  readonly fps: Float64Array;
  /** Group index of every positive (in ascending score order). */
  readonly posGroup: Uint32Array;
  /** Group index of every negative (in ascending score order). */
  readonly negGroup: Uint32Array;
}

/** Validates the inputs (finite, same length, binary with `posLabel` present) and ranks them. */
export function rankScores(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  posLabel: number,
  fn: string,
): RankedScores {
  const y = finiteArray(yTrue, 'yTrue', fn);
  const s = finiteArray(scores, 'scores', fn);
  sameLength(y.length, s.length, 'yTrue and scores', fn);
  if (typeof posLabel !== 'number' || !Number.isFinite(posLabel)) {
    throw new Error(`${fn}: posLabel must be a finite number, got ${String(posLabel)}`);
  }
  const isPos = binaryTargets(y, posLabel, fn);
  let nPos = 0;
  for (let i = 0; i < isPos.length; i++) nPos += isPos[i];
  const ps = new Float64Array(nPos);
  const ns = new Float64Array(s.length - nPos);
  for (let i = 0, a = 0, b = 0; i < s.length; i++) {
    if (isPos[i]) ps[a++] = s[i];
    else ns[b++] = s[i];
  }
  return rankSorted(ps.sort(), ns.sort());
}

/** Groups already ascending-sorted positive and negative scores (no validation). */
export function rankSorted(ps: Float64Array, ns: Float64Array): RankedScores {
  const thresholds: number[] = [];
  const pos: number[] = [];
  const neg: number[] = [];
  const posGroup = new Uint32Array(ps.length);
  const negGroup = new Uint32Array(ns.length);
  let i = ps.length - 1;
  let j = ns.length - 1;
  while (i >= 0 || j >= 0) {
    const a = i >= 0 ? ps[i] : -Infinity;
    const b = j >= 0 ? ns[j] : -Infinity;
    const v = a >= b ? a : b;
    const g = thresholds.length;
    let cp = 0;
    let cn = 0;
    while (i >= 0 && ps[i] === v) {
      posGroup[i--] = g;
      cp++;
    }
    while (j >= 0 && ns[j] === v) {
      negGroup[j--] = g;
      cn++;
    }
    thresholds.push(v);
    pos.push(cp);
    neg.push(cn);
  }
  const tps = new Float64Array(pos.length);
  const fps = new Float64Array(pos.length);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < pos.length; k++) {
    tp += pos[k];
    fp += neg[k];
    tps[k] = tp;
    fps[k] = fp;
  }
  return {
    thresholds: Float64Array.from(thresholds),
    pos: Float64Array.from(pos),
    neg: Float64Array.from(neg),
    tps,
    fps,
    posGroup,
    negGroup,
  };
}
