import { describe, expect, test } from 'vitest';
import {
  DEFAULT_METRICS_OPTIONS,
  averagePrecision,
  computeMetrics,
  computeSingleClassMetrics,
  equalErrorRate,
  rocAuc,
  tprAtFpr,
} from '../src/index.js';
import { FIXTURE, maxAbsDiff } from './fixtures.js';

const ATOL = 1e-12;
const KEYS = [
  'ap',
  'ap_fake',
  'acc',
  'n',
  'precision',
  'recall',
  'thresholds',
  'roc_auc',
  'eer',
  'balanced_acc',
  'tpr_at_fpr',
  'acc_real',
  'acc_fake',
];

describe('computeMetrics = the reference compute_metrics (sklearn 1.2.1)', () => {
  for (const c of FIXTURE.metrics) {
    test(c.name, () => {
      const m = computeMetrics(c.labels, c.scores);
      expect(Object.keys(m)).toEqual(KEYS);
      expect(Math.abs(m.ap - c.ap)).toBeLessThanOrEqual(ATOL);
      expect(Math.abs(m.ap_fake - c.ap_fake)).toBeLessThanOrEqual(ATOL);
      expect(m.acc).toBe(c.acc);
      expect(m.n).toBe(c.n);
      expect(m.precision.length).toBe(c.precision.length);
      expect(m.thresholds.length).toBe(c.thresholds.length);
      expect(maxAbsDiff(m.precision, c.precision)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(m.recall, c.recall)).toBeLessThanOrEqual(ATOL);
      expect(maxAbsDiff(m.thresholds, c.thresholds)).toBeLessThanOrEqual(ATOL);
      expect(Math.abs(m.roc_auc - c.roc_auc)).toBeLessThanOrEqual(ATOL);
    });
  }

  test('flat float32 score matrices give the same report', () => {
    const c = FIXTURE.metrics[0];
    const flat = { data: Float32Array.from(c.scores.flat()), shape: [c.n, 2] as const };
    expect(computeMetrics(c.labels, flat)).toEqual(computeMetrics(c.labels, c.scores));
  });

  test('the extra metrics agree with the standalone functions (fake positive)', () => {
    const c = FIXTURE.metrics[0];
    const pFake = c.scores.map((r) => r[0]);
    const m = computeMetrics(c.labels, c.scores);
    const o = { posLabel: 0 };
    expect(m.ap_fake).toBe(averagePrecision(c.labels, pFake, o));
    expect(m.roc_auc).toBe(rocAuc(c.labels, pFake, o));
    expect(m.eer).toBe(equalErrorRate(c.labels, pFake, o));
    const t = tprAtFpr(c.labels, pFake, o);
    expect(m.tpr_at_fpr).toEqual({ '0.01': t[0], '0.05': t[1], '0.1': t[2] });
    expect(m.balanced_acc).toBe((m.acc_real + m.acc_fake) / 2);
  });

  test('hand-computed report', () => {
    const labels = [1, 1, 1, 0, 0, 0];
    const scores = [
      [0.1, 0.9],
      [0.3, 0.7],
      [0.6, 0.4],
      [0.8, 0.2],
      [0.5, 0.5],
      [0.35, 0.65],
    ];
    const m = computeMetrics(labels, scores);
    // Real-positive ranking by P(real): R R F F R F → AP = (1 + 1 + 3/5) / 3.
    expect(m.ap).toBeCloseTo(2.6 / 3, 15);
    // Fake-positive ranking by P(fake): F(.8) R(.6) F(.5) F(.35) R(.3) R(.1) → (1 + 2/3 + 3/4) / 3.
    expect(m.ap_fake).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 15);
    expect(m.acc).toBeCloseTo(4 / 6, 15);
    expect(m.acc_real).toBeCloseTo(2 / 3, 15);
    expect(m.acc_fake).toBeCloseTo(2 / 3, 15); // the 0.5 tie counts as fake: right
    expect(m.n).toBe(6);
    expect(m.roc_auc).toBeCloseTo(7 / 9, 15);
    expect(m.tpr_at_fpr).toEqual({ '0.01': 1 / 3, '0.05': 1 / 3, '0.1': 1 / 3 });
  });

  test('fakeClassId 1 swaps the columns and the labels', () => {
    const c = FIXTURE.metrics[1];
    const swappedScores = c.scores.map(([a, b]) => [b, a]);
    const swappedLabels = c.labels.map((y) => 1 - y);
    const a = computeMetrics(c.labels, c.scores);
    const b = computeMetrics(swappedLabels, swappedScores, { fakeClassId: 1 });
    // Argmax ties break toward class 0 (real here), so only the accuracies may differ.
    expect({ ...b, acc: 0, acc_real: 0, acc_fake: 0, balanced_acc: 0 }).toEqual({
      ...a,
      acc: 0,
      acc_real: 0,
      acc_fake: 0,
      balanced_acc: 0,
    });
  });

  test('custom FPR targets and a decision rule', () => {
    const c = FIXTURE.metrics[0];
    const m = computeMetrics(c.labels, c.scores, {
      fprs: [0.2, 0.5],
      decision: { classId: 0, threshold: 0.99 },
    });
    expect(Object.keys(m.tpr_at_fpr)).toEqual(['0.2', '0.5']);
    // Almost nothing is called fake at P(fake) > 0.99.
    expect(m.acc_real).toBe(1);
  });

  test('the report is plain JSON and round-trips unchanged', () => {
    const c = FIXTURE.metrics[1];
    const m = computeMetrics(c.labels, c.scores);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  test('defaults', () => {
    expect(DEFAULT_METRICS_OPTIONS.fakeClassId).toBe(0);
    expect(DEFAULT_METRICS_OPTIONS.fprs).toEqual([0.01, 0.05, 0.1]);
  });
});

describe('edge cases', () => {
  const rows = [
    [0.9, 0.1],
    [0.4, 0.6],
    [0.5, 0.5],
  ];

  test('one class: a clear error pointing to computeSingleClassMetrics', () => {
    expect(() => computeMetrics([1, 1, 1], rows)).toThrow(
      /one class only.*computeSingleClassMetrics/,
    );
  });

  test('computeSingleClassMetrics: accuracy only, ap null', () => {
    expect(computeSingleClassMetrics([1, 1, 1], rows)).toEqual({
      ap: null,
      ap_fake: null,
      acc: 1 / 3,
      n: 3,
      acc_real: 1 / 3,
      acc_fake: null,
    });
    expect(computeSingleClassMetrics([0, 0, 0], rows)).toMatchObject({
      acc: 2 / 3,
      acc_real: null,
      acc_fake: 2 / 3,
    });
    // With fakeClassId 1, label 1 is fake.
    expect(computeSingleClassMetrics([1, 1, 1], rows, { fakeClassId: 1 })).toMatchObject({
      acc_real: null,
      acc_fake: 1 / 3,
    });
    expect(() => computeSingleClassMetrics([0, 1, 1], rows)).toThrow(/both classes/);
  });

  const bad = [
    [
      'NaN score',
      [0, 1, 1],
      [
        [0.5, 0.5],
        [NaN, 0.6],
        [0.2, 0.8],
      ],
      /NaN/,
    ],
    ['length mismatch', [0, 1], rows, /length mismatch/],
    ['empty input', [], [], /empty/],
    ['label 2', [0, 2, 1], rows, /class ids must be 0 \| 1/],
  ] as const;
  for (const [title, labels, scores, re] of bad) {
    test(title, () => {
      expect(() => computeMetrics(labels, scores)).toThrow(re);
      expect(() => computeSingleClassMetrics(labels, scores)).toThrow(re);
    });
  }

  test('invalid options', () => {
    expect(() =>
      computeMetrics(
        [0, 1],
        [
          [1, 0],
          [0, 1],
        ],
        { fakeClassId: 2 as 0 },
      ),
    ).toThrow(/fakeClassId must be one of 0 \| 1, got 2/);
    expect(() =>
      computeMetrics(
        [0, 1],
        [
          [1, 0],
          [0, 1],
        ],
        { fprs: [2] },
      ),
    ).toThrow(/\[0, 1\]/);
  });
});
