import { describe, expect, test } from 'vitest';
import { groundTruthPaths, isGroundTruthFile } from '../src/ground-truth.js';

describe('ground-truth file names', () => {
  const cases = [
    ['set/fake/train/.truth/fake-00001.trace.png', true],
    ['set/real/val/.truth/real-00001.labels.png', true],
    ['C:\\set\\real\\val\\.truth\\real-00001.png', true],
    ['elsewhere/a.LABELS.PNG', true],
    ['set/real/val/real-00001.png', false],
    ['set/truth/real-00001.png', false],
  ] as const;
  for (const [path, expected] of cases) {
    test(`${path} → ${expected}`, () => expect(isGroundTruthFile(path)).toBe(expected));
  }
  test('groundTruthPaths keeps the separator style', () => {
    expect(groundTruthPaths('C:\\s\\fake-1.png')).toEqual({
      labels: 'C:\\s\\.truth\\fake-1.labels.png',
      trace: 'C:\\s\\.truth\\fake-1.trace.png',
    });
  });
});
