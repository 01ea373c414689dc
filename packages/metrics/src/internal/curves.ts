import { numpySum } from './pairwise-sum.js';
import type { RankedScores } from './ranking.js';

/** sklearn's `precision_recall_curve` output, from cumulative counts (reversed, final point). */
export function prFromRanked(r: Pick<RankedScores, 'tps' | 'fps' | 'thresholds'>): {
  precision: number[];
  recall: number[];
  thresholds: number[];
} {
  const g = r.tps.length;
  const total = r.tps[g - 1];
  const precision = new Array<number>(g + 1);
  const recall = new Array<number>(g + 1);
  const thresholds = new Array<number>(g);
  for (let k = 0; k < g; k++) {
    const out = g - 1 - k;
    precision[out] = r.tps[k] / (r.tps[k] + r.fps[k]);
    recall[out] = r.tps[k] / total;
    thresholds[out] = r.thresholds[k];
  }
  precision[g] = 1;
  recall[g] = 0;
  return { precision, recall, thresholds };
}

/**
 * sklearn's `_binary_uninterpolated_average_precision`: `-np.sum(np.diff(recall) *
 * precision[:-1])` on the reversed curve, with NumPy's pairwise summation.
 *
 * @param tps - Cumulative positives per distinct threshold, decreasing threshold order.
 * @param fps - Cumulative negatives, same order.
 * @param g - How many leading entries to use.
 */
export function apFromCumulative(
  tps: ArrayLike<number>,
  fps: ArrayLike<number>,
  g: number,
): number {
  const total = tps[g - 1];
  // Reversed order: index i of sklearn's arrays is group g-1-i; the final point is (0, 1).
  const terms = new Float64Array(g);
  for (let i = 0; i < g; i++) {
    const k = g - 1 - i;
    const recallI = tps[k] / total;
    const recallNext = k === 0 ? 0 : tps[k - 1] / total;
    const precisionI = tps[k] / (tps[k] + fps[k]);
    terms[i] = (recallNext - recallI) * precisionI;
  }
  return -numpySum(terms);
}

/** sklearn 1.2.1 `roc_curve` from ranked scores. */
export function rocFromRanked(
  r: Pick<RankedScores, 'tps' | 'fps' | 'thresholds'>,
  dropIntermediate: boolean,
): { fpr: number[]; tpr: number[]; thresholds: number[] } {
  const g = r.tps.length;
  let keep: number[];
  if (dropIntermediate && g > 2) {
    keep = [0];
    for (let k = 1; k < g - 1; k++) {
      const d2f = r.fps[k + 1] - r.fps[k] - (r.fps[k] - r.fps[k - 1]);
      const d2t = r.tps[k + 1] - r.tps[k] - (r.tps[k] - r.tps[k - 1]);
      if (d2f !== 0 || d2t !== 0) keep.push(k);
    }
    keep.push(g - 1);
  } else {
    keep = Array.from({ length: g }, (_, k) => k);
  }
  const fpsLast = r.fps[g - 1];
  const tpsLast = r.tps[g - 1];
  const fpr = [0];
  const tpr = [0];
  const thresholds = [r.thresholds[keep[0]] + 1];
  for (const k of keep) {
    fpr.push(r.fps[k] / fpsLast);
    tpr.push(r.tps[k] / tpsLast);
    thresholds.push(r.thresholds[k]);
  }
  return { fpr, tpr, thresholds };
}

/** sklearn `auc(x, y)` = `direction * np.trapz(y, x)` for a monotone x. */
export function trapezoidArea(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let increasing = true;
  let decreasing = true;
  for (let i = 1; i < n; i++) {
    const d = x[i] - x[i - 1];
    if (d < 0) increasing = false;
    if (d > 0) decreasing = false;
  }
  if (!increasing && !decreasing) throw new Error('auc: x is neither increasing nor decreasing');
  const direction = increasing ? 1 : -1;
  const terms = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n - 1; i++) terms[i] = ((x[i + 1] - x[i]) * (y[i + 1] + y[i])) / 2.0;
  return direction * numpySum(terms);
}

/**
 * Equal error rate: where the ROC polyline crosses FNR = FPR (FNR = 1 − TPR). Linear
 * interpolation between the two ROC points that bracket the crossing.
 */
export function eerFromRoc(fpr: ArrayLike<number>, tpr: ArrayLike<number>): number {
  let prev = 1 - tpr[0] - fpr[0];
  if (prev <= 0) return fpr[0];
  for (let i = 1; i < fpr.length; i++) {
    const d = 1 - tpr[i] - fpr[i];
    if (d === 0) return fpr[i];
    if (d < 0) {
      const t = prev / (prev - d);
      return fpr[i - 1] + t * (fpr[i] - fpr[i - 1]);
    }
    prev = d;
  }
  // Unreachable for a complete ROC curve, which ends at (1, 1) where 1 − tpr − fpr = −1.
  return fpr[fpr.length - 1];
}

/** The highest TPR among ROC points whose FPR ≤ target (no interpolation). */
export function tprAtFprFromRoc(
  fpr: ArrayLike<number>,
  tpr: ArrayLike<number>,
  target: number,
): number {
  let best = 0;
  for (let i = 0; i < fpr.length; i++) {
    if (fpr[i] <= target && tpr[i] > best) best = tpr[i];
  }
  return best;
}
