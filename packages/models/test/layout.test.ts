import { describe, expect, test } from 'vitest';
import { invertPermutation, TFJS_TO_TORCH, TORCH_TO_TFJS } from '../src/layout.js';

describe('weight layouts', () => {
  test('tfjs → PyTorch/ONNX permutations are the inverses of PyTorch → tfjs', () => {
    expect(TFJS_TO_TORCH.conv).toEqual([3, 2, 0, 1]); // HWIO → OIHW
    expect(TFJS_TO_TORCH.depthwise).toEqual([2, 3, 0, 1]); // [k, k, C, 1] → [C, 1, k, k]
    expect(TFJS_TO_TORCH.linear).toEqual([1, 0]);
    for (const [k, there] of Object.entries(TORCH_TO_TFJS)) {
      const back = TFJS_TO_TORCH[k as keyof typeof TORCH_TO_TFJS];
      // Transposing by one and then the other is the identity.
      expect(there.map((a) => back[a])).toEqual(there.map((_, i) => i));
    }
  });

  test('invertPermutation inverts any permutation', () => {
    expect(invertPermutation([1, 2, 0])).toEqual([2, 0, 1]);
    expect(invertPermutation(invertPermutation([3, 0, 2, 1]))).toEqual([3, 0, 2, 1]);
  });
});
