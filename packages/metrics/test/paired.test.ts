import { describe, expect, test } from 'vitest';
import { meanStd, pairedDifference, studentTCdf, studentTQuantile } from '../src/index.js';

describe('statistics over seeds', () => {
  test('Student-t quantiles match closed forms (df 1, 2) and tables (df 4, 10)', () => {
    // df 1 is Cauchy: tan(π(p − ½)); df 2: (2p − 1)/√(2p(1 − p)).
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(Math.tan(Math.PI * 0.475), 8);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(0.95 / Math.sqrt(2 * 0.975 * 0.025), 8);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764451051977987, 8);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281388519649385, 8);
  });

  test('the CDF inverts the quantile; meanStd uses n − 1; the interval is mean ± t·s/√n', () => {
    expect(studentTCdf(studentTQuantile(0.9, 3), 3)).toBeCloseTo(0.9, 10);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: Math.sqrt(32 / 7), n: 8 });
    const d = pairedDifference([0.6, 0.7, 0.65], [0.5, 0.55, 0.6]);
    // differences 0.1, 0.15, 0.05: mean 0.1, s 0.05, t(0.975, 2) = 4.302652729749464
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.std).toBeCloseTo(0.05, 12);
    expect(d.hi! - d.mean).toBeCloseTo((4.302652729749464 * 0.05) / Math.sqrt(3), 8);
    expect(d.mean - d.lo!).toBeCloseTo(d.hi! - d.mean, 12);
  });

  test('paired difference: one pair has no interval; mismatched lists throw', () => {
    expect(pairedDifference([0.5], [0.4])).toMatchObject({ n: 1, lo: null, hi: null });
    expect(() => pairedDifference([1, 2], [1])).toThrow(/one length/);
  });
});
