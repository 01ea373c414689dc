import { describe, expect, test } from 'vitest';
import { createRng } from '@patchfx/data';
import {
  DEFAULT_BOOTSTRAP_OPTIONS,
  averagePrecision,
  bootstrapAveragePrecision,
  resolveBootstrapOptions,
} from '../src/index.js';
import { FIXTURE } from './fixtures.js';

const CASE = FIXTURE.curves.find((c) => c.name === 'random n=100 pos_label=1')!;

describe('bootstrapAveragePrecision', () => {
  test('defaults', () => {
    expect(DEFAULT_BOOTSTRAP_OPTIONS).toEqual({
      iterations: 1000,
      confidence: 0.95,
      seed: 0,
      posLabel: 1,
    });
  });

  test('the estimate is the AP of the data and lies in the interval', () => {
    const ci = bootstrapAveragePrecision(CASE.y_true, CASE.scores);
    expect(ci.estimate).toBe(CASE.ap);
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
    expect(ci.std).toBeGreaterThan(0);
    expect(ci).toMatchObject({ confidence: 0.95, iterations: 1000, seed: 0 });
  });

  test('same seed → same interval; another seed → another one', () => {
    const a = bootstrapAveragePrecision(CASE.y_true, CASE.scores, { iterations: 300, seed: 3 });
    const b = bootstrapAveragePrecision(CASE.y_true, CASE.scores, { iterations: 300, seed: 3 });
    const c = bootstrapAveragePrecision(CASE.y_true, CASE.scores, { iterations: 300, seed: 4 });
    expect(b).toEqual(a);
    expect(c.lower).not.toBe(a.lower);
  });

  test('a wider confidence level gives a wider interval', () => {
    const o = { iterations: 500, seed: 1 };
    const narrow = bootstrapAveragePrecision(CASE.y_true, CASE.scores, { ...o, confidence: 0.5 });
    const wide = bootstrapAveragePrecision(CASE.y_true, CASE.scores, { ...o, confidence: 0.99 });
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
  });

  test('one resample equals sklearn-style AP of the explicitly resampled arrays', () => {
    // Replays the documented draw order: positives (ascending score) then negatives.
    const y = CASE.y_true;
    const s = CASE.scores;
    const pos = s.filter((_, i) => y[i] === 1).sort((a, b) => a - b);
    const neg = s.filter((_, i) => y[i] === 0).sort((a, b) => a - b);
    for (const seed of [0, 1, 2, 99]) {
      const rng = createRng(seed);
      const ys: number[] = [];
      const ss: number[] = [];
      for (let k = 0; k < pos.length; k++) {
        ys.push(1);
        ss.push(pos[rng.int(0, pos.length - 1)]);
      }
      for (let k = 0; k < neg.length; k++) {
        ys.push(0);
        ss.push(neg[rng.int(0, neg.length - 1)]);
      }
      const one = bootstrapAveragePrecision(y, s, { iterations: 1, seed });
      expect(one.lower).toBe(averagePrecision(ys, ss));
      expect(one.upper).toBe(one.lower);
    }
  });

  test('stratified: a single positive stays present in every resample', () => {
    const y = [1, 0, 0, 0, 0, 0];
    const s = [0.3, 0.1, 0.5, 0.2, 0.05, 0.4];
    const ci = bootstrapAveragePrecision(y, s, { iterations: 200 });
    expect(Number.isFinite(ci.lower)).toBe(true);
    expect(ci.lower).toBeGreaterThan(0);
    expect(ci.upper).toBeLessThanOrEqual(1);
  });

  test('perfect separation: every resample has AP 1', () => {
    const ci = bootstrapAveragePrecision([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], { iterations: 50 });
    expect([ci.lower, ci.estimate, ci.upper, ci.std]).toEqual([1, 1, 1, 0]);
  });

  test('invalid options and inputs', () => {
    expect(() => resolveBootstrapOptions({ iterations: 0 })).toThrow(/iterations must be/);
    expect(() => resolveBootstrapOptions({ confidence: 1 })).toThrow(/confidence must be/);
    expect(() => resolveBootstrapOptions({ seed: -1 })).toThrow(/seed must be/);
    expect(resolveBootstrapOptions({ seed: undefined })).toEqual(DEFAULT_BOOTSTRAP_OPTIONS);
    expect(() => bootstrapAveragePrecision([1, 1], [0.2, 0.3])).toThrow(/one class only/);
    expect(() => bootstrapAveragePrecision([0, 1], [0.2, NaN])).toThrow(/NaN/);
  });
});
