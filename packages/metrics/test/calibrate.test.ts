import { describe, expect, test } from 'vitest';
import {
  balancedAccuracy,
  calibrateThresholdAtFpr,
  calibrateThresholdBalanced,
  predictClasses,
} from '../src/index.js';
import { FIXTURE } from './fixtures.js';

function fprAbove(neg: readonly number[], t: number): number {
  return neg.filter((v) => v > t).length / neg.length;
}

describe('calibrateThresholdAtFpr (inverted-CDF quantile)', () => {
  const ten = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05];

  const cases = [
    [0, 0.9, 0],
    [0.05, 0.9, 0], // ⌊0.5⌋ = 0 false positives allowed
    [0.1, 0.8, 0.1],
    [0.29, 0.7, 0.2],
    [0.3, 0.6, 0.3], // 0.3·10 = 3.0000000000000004 → 3
    [0.5, 0.4, 0.5],
    [0.99, 0.05, 0.9],
  ] as const;
  for (const [target, threshold, fpr] of cases) {
    test(`target ${target}`, () => {
      expect(calibrateThresholdAtFpr(ten, target)).toEqual({ threshold, fpr });
    });
  }

  test('target 1 flags everything', () => {
    expect(calibrateThresholdAtFpr(ten, 1)).toEqual({ threshold: -Infinity, fpr: 1 });
  });

  test('ties at the threshold count as negative, so the FPR can fall below target', () => {
    const neg = [0.2, 0.5, 0.5, 0.5, 0.9];
    // 2 of 5 allowed: 0.5 is the smallest threshold with ≤ 2 above it (only 0.9 is).
    expect(calibrateThresholdAtFpr(neg, 0.4)).toEqual({ threshold: 0.5, fpr: 0.2 });
  });

  for (const c of FIXTURE.curves.filter((k) => k.y_true.length >= 100)) {
    test(`minimal threshold meeting the target: ${c.name}`, () => {
      const neg = c.scores.filter((_, i) => c.y_true[i] !== c.pos_label);
      for (const target of [0.01, 0.05, 0.1, 0.33]) {
        const { threshold, fpr } = calibrateThresholdAtFpr(neg, target);
        expect(fpr).toBe(fprAbove(neg, threshold));
        expect(fpr).toBeLessThanOrEqual(target);
        // Any lower observed score would exceed the target.
        const lower = neg.filter((v) => v < threshold);
        if (lower.length > 0) {
          expect(fprAbove(neg, Math.max(...lower))).toBeGreaterThan(target);
        }
      }
    });
  }

  test('errors', () => {
    expect(() => calibrateThresholdAtFpr([0.1, 0.2], 1.2)).toThrow(/targetFpr must be/);
    expect(() => calibrateThresholdAtFpr([], 0.1)).toThrow(/empty/);
    expect(() => calibrateThresholdAtFpr([0.1, NaN], 0.1)).toThrow(/NaN/);
  });
});

describe('calibrateThresholdBalanced', () => {
  for (const c of FIXTURE.curves.filter((k) => k.y_true.length >= 20)) {
    test(`brute force: ${c.name}`, () => {
      const got = calibrateThresholdBalanced(c.y_true, c.scores, { posLabel: c.pos_label });
      let best = -1;
      let bestT = NaN;
      for (const t of [...new Set(c.scores)].sort((a, b) => b - a)) {
        let tp = 0;
        let tn = 0;
        let p = 0;
        for (let i = 0; i < c.scores.length; i++) {
          const isPos = c.y_true[i] === c.pos_label;
          p += isPos ? 1 : 0;
          if (isPos && c.scores[i] > t) tp++;
          if (!isPos && !(c.scores[i] > t)) tn++;
        }
        const ba = (tp / p + tn / (c.scores.length - p)) / 2;
        if (ba > best + 1e-12) {
          best = ba;
          bestT = t;
        }
      }
      expect(got.balancedAccuracy).toBeCloseTo(best, 12);
      expect(got.threshold).toBe(bestT);
    });
  }

  test('agrees with balancedAccuracy under the matching decision rule', () => {
    const y = [0, 0, 0, 1, 1, 1, 1];
    const s = [0.1, 0.45, 0.6, 0.4, 0.7, 0.8, 0.3];
    const c = calibrateThresholdBalanced(y, s);
    const rows = s.map((v) => [1 - v, v]);
    const decision = { classId: 1, threshold: c.threshold } as const;
    expect(balancedAccuracy(y, rows, { decision })).toBeCloseTo(c.balancedAccuracy, 15);
    expect(predictClasses(rows, { decision }).length).toBe(7);
  });

  test('errors', () => {
    expect(() => calibrateThresholdBalanced([1, 1], [0.1, 0.2])).toThrow(/one class only/);
  });
});
