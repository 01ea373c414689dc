import { describe, expect, test } from 'vitest';
import {
  accuracy,
  balancedAccuracy,
  classAccuracy,
  predictClasses,
  scoreColumn,
  scoreRows,
} from '../src/index.js';

const ROWS = [
  [0.9, 0.1],
  [0.5, 0.5],
  [0.3, 0.7],
  [0.6, 0.4],
  [0.2, 0.8],
];

describe('predictClasses', () => {
  test('argmax with ties → class 0', () => {
    expect(Array.from(predictClasses(ROWS))).toEqual([0, 0, 1, 0, 1]);
  });

  test('flat and nested matrices agree', () => {
    const flat = { data: new Float32Array(ROWS.flat()), shape: [5, 2] as const };
    expect(predictClasses(flat)).toEqual(predictClasses(ROWS));
  });

  test('a decision rule is strict (score > threshold)', () => {
    const real = { classId: 1, threshold: 0.4 } as const;
    expect(Array.from(predictClasses(ROWS, { decision: real }))).toEqual([0, 1, 1, 0, 1]);
    const fake = { classId: 0, threshold: 0.6 } as const;
    expect(Array.from(predictClasses(ROWS, { decision: fake }))).toEqual([0, 1, 1, 1, 1]);
  });

  test('invalid rules', () => {
    expect(() => predictClasses(ROWS, { decision: { classId: 2 as 0, threshold: 0 } })).toThrow(
      /classId must be one of 0 \| 1/,
    );
    expect(() => predictClasses(ROWS, { decision: { classId: 0, threshold: NaN } })).toThrow(
      /threshold must be a number/,
    );
  });
});

describe('accuracy', () => {
  const cases = [
    ['all right', [0, 0, 1, 0, 1], 1],
    ['the 0.5 tie counts as class 0 (right for a fake)', [0, 0, 1, 1, 1], 0.8],
    ['the 0.5 tie is wrong for a real', [0, 1, 1, 0, 1], 0.8],
    ['all wrong', [1, 1, 0, 1, 0], 0],
  ] as const;
  for (const [title, labels, want] of cases) {
    test(title, () => expect(accuracy(labels, ROWS)).toBe(want));
  }

  test('balanced accuracy is the mean of the class accuracies', () => {
    const labels = [0, 0, 0, 0, 1];
    // class 0: rows 0,1,3 right, row 2 wrong → 3/4; class 1: row 4 right → 1.
    expect(balancedAccuracy(labels, ROWS)).toBe((3 / 4 + 1) / 2);
    expect(classAccuracy(labels, ROWS, 0)).toBe(0.75);
    expect(classAccuracy(labels, ROWS, 1)).toBe(1);
    expect(accuracy(labels, ROWS)).toBe(0.8);
  });

  test('single-class accuracy at a threshold', () => {
    const reals = [1, 1, 1, 1, 1];
    expect(classAccuracy(reals, ROWS, 1)).toBe(0.4);
    expect(classAccuracy(reals, ROWS, 1, { decision: { classId: 1, threshold: 0.45 } })).toBe(0.6);
    expect(classAccuracy(reals, ROWS, 1, { decision: { classId: 0, threshold: 0.95 } })).toBe(1);
  });
});

describe('errors', () => {
  test('one class for balanced accuracy / missing class for classAccuracy', () => {
    expect(() => balancedAccuracy([1, 1, 1, 1, 1], ROWS)).toThrow(/one class only/);
    expect(() => classAccuracy([1, 1, 1, 1, 1], ROWS, 0)).toThrow(/no sample is labelled 0/);
  });

  test('labels must be class ids 0 | 1', () => {
    expect(() => accuracy([0, 0, 2, 1, 1], ROWS)).toThrow(
      /labels\[2\] is 2; class ids must be 0 \| 1/,
    );
  });

  test('NaN scores', () => {
    expect(() =>
      accuracy(
        [0, 1],
        [
          [0.5, 0.5],
          [NaN, 0.2],
        ],
      ),
    ).toThrow(/NaN/);
  });

  test('length mismatch', () => {
    expect(() => accuracy([0, 1], ROWS)).toThrow(/length mismatch.*2 vs 5/);
  });

  test('empty input', () => {
    expect(() => accuracy([], [])).toThrow(/empty/);
  });

  test('malformed score matrices', () => {
    expect(() => scoreRows([[0.1, 0.2, 0.7]])).toThrow(/scores\[0\] must be a pair/);
    expect(() => scoreRows({ data: [1, 2, 3], shape: [2, 2] })).toThrow(/shape \[N, 2\]/);
    expect(() => scoreColumn(ROWS, 2 as 0)).toThrow(/column must be one of 0 \| 1/);
  });
});
