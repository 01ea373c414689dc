import { describe, expect, test } from 'vitest';
import { DEFAULT_TARGET_FPRS, equalErrorRate, rocAuc, rocCurve, tprAtFpr } from '../src/index.js';
import { FIXTURE, maxAbsDiff } from './fixtures.js';

const ATOL = 1e-12;

describe('rocCurve and rocAuc = sklearn 1.2.1', () => {
  for (const c of FIXTURE.curves) {
    test(c.name, () => {
      const opts = { posLabel: c.pos_label };
      const roc = rocCurve(c.y_true, c.scores, opts);
      expect(roc.fpr.length).toBe(c.roc_fpr.length);
      expect(maxAbsDiff(roc.fpr, c.roc_fpr)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(roc.tpr, c.roc_tpr)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(roc.thresholds, c.roc_thresholds)).toBeLessThanOrEqual(ATOL);
      const full = rocCurve(c.y_true, c.scores, { ...opts, dropIntermediate: false });
      expect(full.fpr.length).toBe(c.roc_full_fpr.length);
      expect(maxAbsDiff(full.fpr, c.roc_full_fpr)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(full.tpr, c.roc_full_tpr)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(full.thresholds, c.roc_full_thresholds)).toBeLessThanOrEqual(ATOL);
      const auc = rocAuc(c.y_true, c.scores, opts);
      expect(Math.abs(auc - c.roc_auc)).toBeLessThanOrEqual(ATOL);
      expect(auc).toBe(c.roc_auc);
    });
  }

  test('sklearn 1.2 leading threshold is max(score) + 1, not Infinity', () => {
    const roc = rocCurve([0, 1, 0, 1], [0.25, 0.5, 3, 0.75]);
    expect(roc.thresholds[0]).toBe(4);
    expect(roc.fpr[0]).toBe(0);
    expect(roc.tpr[0]).toBe(0);
  });

  test('drop_intermediate removes evenly spaced collinear points only', () => {
    // Alternating labels on a ladder: every corner stays.
    const zigzag = rocCurve([1, 0, 1, 0, 1, 0], [6, 5, 4, 3, 2, 1]);
    expect(zigzag.fpr.length).toBe(7);
    // Three positives in a row: the two middle points are dropped.
    const run = rocCurve([1, 1, 1, 0, 0], [5, 4, 3, 2, 1]);
    expect(run.tpr).toEqual([0, 1 / 3, 1, 1]);
    expect(run.fpr).toEqual([0, 0, 0, 1]);
  });
});

/** Independent brute force over every distinct threshold (positive when score ≥ t). */
function operatingPoints(y: readonly number[], s: readonly number[], pos: number) {
  const nPos = y.filter((v) => v === pos).length;
  const nNeg = y.length - nPos;
  const pts = [{ fpr: 0, tpr: 0 }];
  for (const t of [...new Set(s)].sort((a, b) => b - a)) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < y.length; i++) {
      if (s[i] >= t) {
        if (y[i] === pos) tp++;
        else fp++;
      }
    }
    pts.push({ fpr: fp / nNeg, tpr: tp / nPos });
  }
  return pts;
}

describe('tprAtFpr (highest TPR among operating points with FPR ≤ target)', () => {
  test('defaults are 1 %, 5 %, 10 %', () => {
    expect(DEFAULT_TARGET_FPRS).toEqual([0.01, 0.05, 0.1]);
  });

  for (const c of FIXTURE.curves.filter((k) => k.y_true.length >= 20)) {
    test(`brute force: ${c.name}`, () => {
      const targets = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1];
      const got = tprAtFpr(c.y_true, c.scores, { posLabel: c.pos_label, fprs: targets });
      const pts = operatingPoints(c.y_true, c.scores, c.pos_label);
      const want = targets.map((t) =>
        Math.max(...pts.filter((p) => p.fpr <= t + 1e-15).map((p) => p.tpr)),
      );
      expect(got).toEqual(want);
    });
  }

  test('does not interpolate between operating points', () => {
    // Points: (0,0) (0,.5) (.5,.5) (.5,1) (1,1). At FPR 0.25 the answer is 0.5, not 0.75.
    expect(tprAtFpr([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { fprs: [0.25] })).toEqual([0.5]);
  });

  test('uses points that drop_intermediate would remove', () => {
    // Evenly interleaved: the dropped curve is a straight line, the real points are steps.
    const y = [1, 0, 1, 0, 1, 0];
    const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    expect(tprAtFpr(y, s, { fprs: [1 / 3] })).toEqual([2 / 3]);
  });

  test('rejects targets outside [0, 1]', () => {
    expect(() => tprAtFpr([0, 1], [0.1, 0.2], { fprs: [1.5] })).toThrow(/\[0, 1\]/);
    expect(() => tprAtFpr([0, 1], [0.1, 0.2], { fprs: [NaN] })).toThrow(/\[0, 1\]/);
  });
});

describe('equalErrorRate (linear interpolation where FNR crosses FPR)', () => {
  const cases = [
    ['perfect ranking', [0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], 0],
    ['inverted ranking', [0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1], 1],
    ['all tied: the diagonal', [0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], 0.5],
    ['crossing at a point', [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5],
    // Points (0,0) (0,½) (½,1) (1,1); FNR − FPR: 1, ½, −½ → halfway along the tied segment.
    ['crossing mid-segment (a tie)', [1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1], 0.25],
    ['worse than chance', [1, 0, 1, 0, 1, 1], [0.9, 0.8, 0.6, 0.7, 0.5, 0.1], 0.75],
  ] as const;
  for (const [title, y, s, want] of cases) {
    test(title, () => {
      expect(equalErrorRate(y, s)).toBeCloseTo(want, 14);
    });
  }

  for (const c of FIXTURE.curves.filter((k) => k.y_true.length >= 20)) {
    test(`lies on the full ROC polyline where FNR = FPR: ${c.name}`, () => {
      const eer = equalErrorRate(c.y_true, c.scores, { posLabel: c.pos_label });
      const fpr = c.roc_full_fpr;
      const tpr = c.roc_full_tpr;
      // Find the segment containing the EER as an FPR and check FNR there equals it.
      let ok = false;
      for (let i = 1; i < fpr.length && !ok; i++) {
        const d0 = 1 - tpr[i - 1] - fpr[i - 1];
        const d1 = 1 - tpr[i] - fpr[i];
        if (d0 > 0 && d1 <= 0) {
          const t = d0 / (d0 - d1);
          const x = fpr[i - 1] + t * (fpr[i] - fpr[i - 1]);
          const fnr = 1 - (tpr[i - 1] + t * (tpr[i] - tpr[i - 1]));
          expect(eer).toBeCloseTo(x, 12);
          expect(eer).toBeCloseTo(fnr, 12);
          ok = true;
        }
      }
      expect(ok).toBe(true);
    });
  }
});

describe('errors', () => {
  for (const f of [rocCurve, rocAuc, equalErrorRate, tprAtFpr]) {
    test(f.name, () => {
      expect(() => f([1, 1], [0.1, 0.2])).toThrow(/one class only/);
      expect(() => f([0, 1], [0.1, NaN])).toThrow(/NaN/);
      expect(() => f([0, 1], [0.1])).toThrow(/length mismatch/);
      expect(() => f([], [])).toThrow(/empty/);
    });
  }
});
