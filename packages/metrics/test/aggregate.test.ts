import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, inject, test } from 'vitest';
import { expectArrayClose, expectTensorClose, withNoLeaks } from '@patchfx/test-utils';
import {
  AVERAGE_MODES,
  accuracy,
  aggregatePredictions,
  aggregatePredictionsAsync,
  patchSamples,
  patchSamplesAsync,
  parseAverageMode,
} from '../src/index.js';

const backend = inject('backend');
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Two images, 2×2 patches, logits [class 0, class 1] per patch (NHWC):
 * - image 0: one patch strongly class 0 ([10, 0]), three weakly class 1 ([0, 1]).
 *   vote = 3/4; mean logits [2.5, 0.75] → before_softmax says class 0;
 *   mean softmax P1 = (σ(−10) + 3σ(1)) / 4 ≈ 0.548 → after_softmax says class 1.
 * - image 1: two patches each way, with one exact logit tie ([2, 2]) that votes class 0:
 *   patches [0, 3], [0, 1], [1, 0], [2, 2] → 2 of 4 vote class 1 → v = 0.5 (a tie).
 */
const LOGITS = [
  [
    [
      [10, 0],
      [0, 1],
    ],
    [
      [0, 1],
      [0, 1],
    ],
  ],
  [
    [
      [0, 3],
      [0, 1],
    ],
    [
      [1, 0],
      [2, 2],
    ],
  ],
];

function expected() {
  const p1img0 = (sigmoid(-10) + 3 * sigmoid(1)) / 4;
  const p1img1 = (sigmoid(3) + sigmoid(1) + sigmoid(-1) + 0.5) / 4;
  const before0 = sigmoid(0.75 - 2.5);
  const before1 = sigmoid((3 + 1 + 0 + 2) / 4 - (0 + 0 + 1 + 2) / 4);
  return {
    vote: [
      [0.25, 0.75],
      [0.5, 0.5],
    ],
    after_softmax: [
      [1 - p1img0, p1img0],
      [1 - p1img1, p1img1],
    ],
    before_softmax: [
      [1 - before0, before0],
      [1 - before1, before1],
    ],
  };
}

describe(`aggregatePredictions on ${backend}`, () => {
  test('mode names', () => {
    expect(AVERAGE_MODES).toEqual(['vote', 'before_softmax', 'after_softmax']);
    expect(parseAverageMode('after_softmax')).toBe('after_softmax');
    expect(() => parseAverageMode('mean')).toThrow(
      "unknown average_mode 'mean'; one of vote | before_softmax | after_softmax",
    );
    expect(() => parseAverageMode('raw')).toThrow(/unknown average_mode 'raw'/);
    expect(() => parseAverageMode(undefined)).toThrow(/unknown average_mode undefined/);
    expect(() => aggregatePredictions([[0, 1]], 'mean' as never)).toThrow(
      "unknown average_mode 'mean'",
    );
  });

  /** The average modes and the per-patch softmax. */
  const ALL_MODES = [...AVERAGE_MODES, 'raw'] as const;

  for (const mode of ['vote', 'before_softmax', 'after_softmax'] as const) {
    test(`${mode}: hand-computed values, no leak`, async () => {
      const x = tf.tensor4d(LOGITS);
      try {
        await withNoLeaks(async () => {
          const out = aggregatePredictions(x, mode);
          expect(out.shape).toEqual([2, 2]);
          expect(out.dtype).toBe('float32');
          await expectTensorClose(out, expected()[mode].flat(), { atol: 1e-6, rtol: 0 });
          out.dispose();
        });
        expect(x.isDisposed).toBe(false);
      } finally {
        x.dispose();
      }
    });
  }

  test('before- and after-softmax pick different winners; vote ties go to class 0', async () => {
    const before = await aggregatePredictionsAsync(LOGITS, 'before_softmax');
    const after = await aggregatePredictionsAsync(LOGITS, 'after_softmax');
    const vote = await aggregatePredictionsAsync(LOGITS, 'vote');
    expect(before[0][0]).toBeGreaterThan(before[0][1]); // class 0
    expect(after[0][1]).toBeGreaterThan(after[0][0]); // class 1
    expect(vote[1]).toEqual([0.5, 0.5]); // exact, so argmax ties decide
    expect(accuracy([1, 1], vote)).toBe(0.5); // image 1's tie counts as class 0
    expect(accuracy([1, 0], vote)).toBe(1);
  });

  test('vote: an exact logit tie votes class 0', async () => {
    const allTied = tf.fill([1, 2, 3, 2], 1.5);
    const v = await aggregatePredictionsAsync(allTied, 'vote');
    allTied.dispose();
    expect(v).toEqual([[1, 0]]);
  });

  test('vote of an odd map: v = count / (H·W) exactly as float32', async () => {
    const logits = tf.tidy(() => {
      const wins = tf.tensor1d([1, 0, 1, 1, 0, 0, 1, 0, 1]); // 5 of 9 vote class 1
      return tf.reshape(tf.stack([tf.zeros([9]), wins], 1), [1, 3, 3, 2]);
    });
    const v = await aggregatePredictionsAsync(logits, 'vote');
    logits.dispose();
    expect(v[0][1]).toBe(Math.fround(5 / 9));
    expect(v[0][0]).toBe(Math.fround(1 - Math.fround(5 / 9)));
  });

  test('raw: per-patch softmax [N, H, W, 2], no leak', async () => {
    await withNoLeaks(async () => {
      const out = aggregatePredictions(LOGITS, 'raw');
      expect(out.shape).toEqual([2, 2, 2, 2]);
      const p = (await out.array()) as number[][][][];
      out.dispose();
      expect(p[0][0][0][1]).toBeCloseTo(sigmoid(-10), 7);
      expect(p[1][1][1]).toEqual([0.5, 0.5]);
      const sums = p.flat(2).map(([a, b]) => a + b);
      expectArrayClose(sums, new Array(8).fill(1), { atol: 1e-6, rtol: 0 });
    });
  });

  test('full-image logits [N, 2] → softmax in every mode', async () => {
    const logits = [
      [0, 0],
      [2, -1],
    ];
    const want = [0.5, 0.5, 1 - sigmoid(-3), sigmoid(-3)];
    for (const mode of ALL_MODES) {
      await withNoLeaks(async () => {
        const out = aggregatePredictions(logits, mode);
        expect(out.shape).toEqual([2, 2]);
        await expectTensorClose(out, want, { atol: 1e-6, rtol: 0 });
        out.dispose();
      });
    }
  });

  test('the default mode is after_softmax', async () => {
    expect(await aggregatePredictionsAsync(LOGITS)).toEqual(
      await aggregatePredictionsAsync(LOGITS, 'after_softmax'),
    );
  });

  test('async variant holds no tensor and leaves the input alone', async () => {
    const x = tf.tensor4d(LOGITS);
    await withNoLeaks(async () => {
      for (const mode of ALL_MODES) await aggregatePredictionsAsync(x, mode);
    });
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  test('an empty batch gives an empty [0, 2] (or [0, H, W, 2] for raw)', async () => {
    const empty = tf.zeros([0, 3, 3, 2]);
    await withNoLeaks(async () => {
      for (const mode of ALL_MODES) {
        const out = aggregatePredictions(empty, mode);
        expect(out.shape).toEqual(mode === 'raw' ? [0, 3, 3, 2] : [0, 2]);
        out.dispose();
      }
      expect(await aggregatePredictionsAsync(empty, 'vote')).toEqual([]);
    });
    empty.dispose();
  });

  test('errors name the problem and leak nothing', async () => {
    const wrongChannels = tf.zeros([2, 4, 4, 3]);
    const noPatches = tf.zeros([1, 0, 4, 2]);
    await withNoLeaks(() => {
      expect(() => aggregatePredictions(wrongChannels)).toThrow(/\[N, H, W, 2\].*got \[2,4,4,3\]/);
      expect(() => aggregatePredictions([1, 2, 3])).toThrow(/got \[3\]/);
      expect(() => aggregatePredictions(noPatches)).toThrow(/patch map is empty/);
      expect(() => aggregatePredictions(LOGITS, 'median' as 'vote')).toThrow(
        /unknown average_mode 'median'/,
      );
      expect(() => aggregatePredictions('abc' as unknown as number[])).toThrow(/logits must be/);
    });
    tf.dispose([wrongChannels, noPatches]);
    const gone = tf.zeros([1, 2, 2, 2]);
    gone.dispose();
    expect(() => aggregatePredictions(gone)).toThrow(/disposed/);
  });
});

describe(`patchSamples on ${backend}`, () => {
  test('every patch is one sample with its image label (n = N·H·W), no leak', async () => {
    await withNoLeaks(async () => {
      const s = patchSamples(LOGITS, [1, 0]);
      expect(s.scores.shape).toEqual([8, 2]);
      expect(s.labels.shape).toEqual([8]);
      expect(s.labels.dtype).toBe('int32');
      expect(Array.from(await s.labels.data())).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
      const raw = aggregatePredictions(LOGITS, 'raw');
      await expectTensorClose(s.scores, await raw.data(), { atol: 0, rtol: 0 });
      tf.dispose([s.scores, s.labels, raw]);
    });
  });

  test('async variant returns typed arrays and a flat score matrix', async () => {
    const labels = tf.tensor1d([0, 1], 'int32');
    const out = await withNoLeaks(() => patchSamplesAsync(LOGITS, labels));
    labels.dispose();
    expect(out.scores.shape).toEqual([8, 2]);
    expect(out.scores.data.length).toBe(16);
    expect(Array.from(out.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(out.scores.data[14]).toBeCloseTo(0.5, 7); // the tied patch [2, 2]
  });

  test('full-image logits give the images themselves', async () => {
    const out = await patchSamplesAsync(
      [
        [0, 1],
        [1, 0],
      ],
      [1, 0],
    );
    expect(out.scores.shape).toEqual([2, 2]);
    expect(Array.from(out.labels)).toEqual([1, 0]);
  });

  test('label count must match N', async () => {
    await withNoLeaks(() => {
      expect(() => patchSamples(LOGITS, [1, 0, 1])).toThrow(/labels must have shape \[2\]/);
    });
  });
});
