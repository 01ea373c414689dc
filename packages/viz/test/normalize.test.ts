import { describe, expect, test } from 'vitest';
import { mapToGray, normalizeMinMax, OVERLAY_EPSILON } from '@patchfx/viz';

describe('normalizeMinMax', () => {
  const cases = [
    { name: 'plain min-max', data: [2, 4, 6, 10], epsilon: 0, expected: [0, 0.25, 0.5, 1] },
    { name: 'negative values', data: [-1, 0, 1], epsilon: 0, expected: [0, 0.5, 1] },
    {
      name: 'constant map (reference: 0/0 = NaN) gives zeros',
      data: [3, 3, 3],
      epsilon: 0,
      expected: [0, 0, 0],
    },
    {
      name: 'constant map with epsilon gives zeros',
      data: [3, 3],
      epsilon: OVERLAY_EPSILON,
      expected: [0, 0],
    },
  ] as const;
  for (const c of cases) {
    test(c.name, () => {
      const out = normalizeMinMax(
        { data: c.data, height: 1, width: c.data.length },
        { epsilon: c.epsilon },
      );
      expect(out.data).toBeInstanceOf(Float32Array);
      expect(Array.from(out.data)).toEqual(c.expected);
    });
  }

  test('the overlay epsilon keeps the maximum just under 1, in float32 like numpy', () => {
    const data = Float32Array.from([0.2, 0.7, 0.45]);
    const out = normalizeMinMax({ data, height: 1, width: 3 }, { epsilon: OVERLAY_EPSILON });
    const shifted = Math.fround(Math.fround(0.7) - Math.fround(0.2));
    const divisor = Math.fround(shifted + 1e-6);
    expect(out.data[1]).toBe(Math.fround(shifted / divisor));
    expect(out.data[1]).toBeLessThan(1);
    expect(out.data[0]).toBe(0);
  });

  test('rejects a negative epsilon and a size mismatch', () => {
    expect(() => normalizeMinMax({ data: [1], height: 1, width: 1 }, { epsilon: -1 })).toThrow(
      'epsilon must be ≥ 0, got -1',
    );
    expect(() => normalizeMinMax({ data: [1, 2], height: 1, width: 1 })).toThrow(
      'map.data has 2 values, expected 1·1 = 1',
    );
  });
});

describe('mapToGray', () => {
  test('truncates like np.uint8(255 * x) and clamps out-of-range values', () => {
    const out = mapToGray({ data: [0, 0.5, 0.999, 1, -0.2, 1.5, Number.NaN], height: 1, width: 7 });
    expect(out.channels).toBe(1);
    expect(Array.from(out.data)).toEqual([0, 127, 254, 255, 0, 255, 0]);
  });

  test('float32 maps are scaled in float32', () => {
    // 0.1 as float32 is 0.100000001490116…; ×255 in float32 rounds to 25.5 exactly → 25.
    const out = mapToGray({ data: Float32Array.from([0.1]), height: 1, width: 1 });
    expect(out.data[0]).toBe(Math.trunc(Math.fround(255 * Math.fround(0.1))));
  });
});
