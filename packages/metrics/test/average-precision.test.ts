import { describe, expect, test } from 'vitest';
import { averagePrecision, precisionRecallCurve } from '../src/index.js';
import { FIXTURE, maxAbsDiff } from './fixtures.js';

const ATOL = 1e-12;

describe('precisionRecallCurve and averagePrecision = sklearn 1.2.1', () => {
  test('the fixture comes from sklearn 1.2.1 and covers many cases', () => {
    expect(FIXTURE.sklearn).toBe('1.2.1');
    expect(FIXTURE.curves.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of FIXTURE.curves) {
    test(c.name, () => {
      const opts = { posLabel: c.pos_label };
      const pr = precisionRecallCurve(c.y_true, c.scores, opts);
      expect(pr.precision.length).toBe(c.precision.length);
      expect(pr.recall.length).toBe(c.recall.length);
      expect(pr.thresholds.length).toBe(c.thresholds.length);
      expect(maxAbsDiff(pr.precision, c.precision)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(pr.recall, c.recall)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(pr.thresholds, c.thresholds)).toBeLessThanOrEqual(ATOL);
      const ap = averagePrecision(c.y_true, c.scores, opts);
      expect(Math.abs(ap - c.ap)).toBeLessThanOrEqual(ATOL);
      // NumPy's pairwise summation is reproduced, so the bits agree too.
      expect(ap).toBe(c.ap);
      expect(pr.precision).toEqual(c.precision);
      expect(pr.recall).toEqual(c.recall);
    });
  }
});

describe('sklearn edge behaviour reproduced', () => {
  test('the curve ends at recall 0, precision 1, without a threshold', () => {
    const pr = precisionRecallCurve([1, 0, 1], [0.3, 0.6, 0.9]);
    expect(pr.precision.at(-1)).toBe(1);
    expect(pr.recall.at(-1)).toBe(0);
    expect(pr.precision.length).toBe(pr.thresholds.length + 1);
  });

  test('tied scores form one threshold, whatever the order of the tied samples', () => {
    const a = precisionRecallCurve([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.2]);
    const b = precisionRecallCurve([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.5]);
    expect(a).toEqual(b);
    expect(a.thresholds).toEqual([0.2, 0.5]);
    expect(averagePrecision([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.2])).toBeCloseTo(2 / 3, 15);
  });

  test('all scores equal: AP = fraction of positives (no interpolation)', () => {
    expect(averagePrecision([0, 1, 1, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.75);
  });

  test('posLabel 0 ranks label 0 as positive', () => {
    const y = [0, 1, 0, 1, 1];
    const s = [0.9, 0.2, 0.8, 0.6, 0.1];
    expect(averagePrecision(y, s, { posLabel: 0 })).toBe(1);
    expect(averagePrecision(y, s)).toBeLessThan(1);
  });

  test('typed arrays are accepted and not modified', () => {
    const y = new Int32Array([0, 1, 1, 0]);
    const s = new Float32Array([0.9, 0.5, 0.25, 0.125]);
    expect(averagePrecision(y, s)).toBe(averagePrecision([0, 1, 1, 0], [0.9, 0.5, 0.25, 0.125]));
    expect(Array.from(s)).toEqual([0.9, 0.5, 0.25, 0.125].map(Math.fround));
  });
});

describe('errors', () => {
  const cases = [
    ['one class only (all 1)', [1, 1, 1], [0.1, 0.2, 0.3], /one class only/],
    ['one class only (all 0)', [0, 0], [0.1, 0.2], /one class only/],
    ['NaN score', [0, 1, 0], [0.1, NaN, 0.3], /scores\[1\] is NaN/],
    ['Infinity score', [0, 1], [Infinity, 0.2], /scores\[0\] is Infinity/],
    ['NaN label', [0, NaN], [0.1, 0.2], /yTrue\[1\] is NaN/],
    ['length mismatch', [0, 1, 1], [0.1, 0.2], /length mismatch.*3 vs 2/],
    ['empty input', [], [], /yTrue is empty/],
    ['three classes', [0, 1, 2], [0.1, 0.2, 0.3], /more than two classes/],
  ] as const;
  for (const [title, y, s, re] of cases) {
    test(title, () => {
      expect(() => averagePrecision(y, s)).toThrow(re);
      expect(() => precisionRecallCurve(y, s)).toThrow(re);
    });
  }

  test('posLabel that is not a label', () => {
    expect(() => averagePrecision([0, 2], [0.1, 0.2])).toThrow(/posLabel=1 is not a label.*0 \| 2/);
  });
});
