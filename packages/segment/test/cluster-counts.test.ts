import { describe, expect, test } from 'vitest';
import { formatClusterCounts, parseClusterCounts } from '../src/index.js';

describe('cluster-counts files (counts.txt, baseline.txt)', () => {
  test('parseClusterCounts reads segmenter.py counts files', () => {
    expect(
      parseClusterCounts('0: skin, 120 patches\n\n1: eye, 1 patch\r\n2: skin, 3 patches'),
    ).toEqual({ skin: 123, eye: 1 });
    expect(() => parseClusterCounts('skin 12')).toThrow(
      "line 1 is not '<i>: <label>, <count> patches'",
    );
  });

  test('what formatClusterCounts writes, parseClusterCounts reads back', () => {
    const rows = [
      { label: 'mouth', count: 7 },
      { label: 'hair', count: 1 },
      { label: 'skin', count: 0 },
    ];
    const text = formatClusterCounts(rows);
    expect(text).toBe('0: mouth, 7 patches\n1: hair, 1 patches\n2: skin, 0 patches\n');
    expect(parseClusterCounts(text)).toEqual({ mouth: 7, hair: 1, skin: 0 });
    expect(formatClusterCounts([])).toBe('');
  });
});
