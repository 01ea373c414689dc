import { describe, expect, test } from 'vitest';
import { expectClose, findMismatch } from './assert.js';

describe('expectClose', () => {
  test('numbers within atol pass; outside fail with the difference', () => {
    expect(() => expectClose(0.8333333, 0.833333, 1e-6, 'here')).not.toThrow();
    expect(() => expectClose(0.834, 0.833333, 1e-6, 'f.ts:3: x')).toThrow(
      /f\.ts:3: x\n {2}value: expected 0\.833333 ± 0\.000001, got 0\.834/,
    );
    expect(() => expectClose(0.834, 0.833, 1e-2, 'x')).not.toThrow();
  });

  test('arrays and typed arrays elementwise, nested objects key by key', () => {
    expect(findMismatch(new Float32Array([0.1, 0.2]), [0.1, 0.2], 1e-6)).toBeUndefined();
    expect(
      findMismatch(
        [
          [1, 2],
          [3, 4.1],
        ],
        [
          [1, 2],
          [3, 4],
        ],
        1e-6,
      ),
    ).toMatch(/^\[1\]\[1\]: expected 4/);
    expect(findMismatch([1, 2], [1, 2, 3], 1e-6)).toBe('value: expected length 3, got 2');
    expect(findMismatch({ ap: 0.5, n: 3 }, { ap: 0.5000001, n: 3 }, 1e-6)).toBeUndefined();
    expect(findMismatch({ ap: 0.5 }, { ap: 0.5, n: 3 }, 1e-6)).toBe('.n: missing');
    expect(findMismatch({ ap: 0.5, n: 3 }, { ap: 0.5 }, 1e-6)).toBe('.n: not expected, got 3');
  });

  test('NaN, infinities, strings and null are exact', () => {
    expect(findMismatch(NaN, NaN, 1e-6)).toBeUndefined();
    expect(findMismatch(1, NaN, 1e-6)).toBe('value: expected NaN, got 1');
    expect(findMismatch(Infinity, Infinity, 1e-6)).toBeUndefined();
    expect(findMismatch(1e300, Infinity, 1e-6)).toBe('value: expected Infinity, got 1e+300');
    expect(findMismatch({ a: 'x', b: null }, { a: 'x', b: null }, 1e-6)).toBeUndefined();
    expect(findMismatch('x', 'y', 1)).toBe('value: expected "y", got "x"');
    expect(findMismatch('1', 1, 1)).toBe('value: expected a number, got "1"');
  });
});
