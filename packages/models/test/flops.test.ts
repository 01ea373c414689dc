import { describe, expect, test } from 'vitest';
import { buildPatchDiscriminator, countFlops } from '../src/index.js';

describe('countFlops (convolutions and dense layers, forward, one image)', () => {
  const cases = [
    // Issue #11 quotes PyTorch's count for xception_block2: 0.57 GFLOP at 128, 3.3 at 299.
    ['xception_block2', 128, 0.568e9],
    ['xception_block2', 299, 3.267e9],
    // Well-known totals: Xception ≈ 8.4 GMAC at 299, ResNet-18 ≈ 1.8 GMAC at 224.
    ['xception', 299, 16.71e9],
    ['resnet18', 224, 3.627e9],
  ] as const;
  for (const [name, size, flops] of cases) {
    test(`${name} @${size}`, () => {
      const model = buildPatchDiscriminator(name);
      try {
        expect(countFlops(model, size) / flops).toBeCloseTo(1, 2);
      } finally {
        model.dispose();
      }
    });
  }
});
