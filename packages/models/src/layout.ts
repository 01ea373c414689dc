/**
 * The one home of the weight layouts patchfx shares with PyTorch and ONNX (spec §11): the axis
 * permutations between PyTorch's (and ONNX's) layouts and tfjs's. Browser-safe; no tensors.
 */

/**
 * Axis permutations from the PyTorch/ONNX layout of a weight to the tfjs one, in
 * `tf.transpose`'s convention: tfjs axis `i` is PyTorch axis `perm[i]`.
 */
export const TORCH_TO_TFJS = Object.freeze({
  /** Conv (and pointwise) kernels: OIHW `[out, in, k, k]` → HWIO `[k, k, in, out]`. */
  conv: Object.freeze([2, 3, 1, 0] as const),
  /** Depthwise kernels: `[C, 1, k, k]` → `[k, k, C, 1]`. */
  depthwise: Object.freeze([2, 3, 0, 1] as const),
  /** Linear (dense) kernels: `[out, in]` → `[in, out]`. */
  linear: Object.freeze([1, 0] as const),
  /** Vectors (biases, BatchNorm weights): as they are. */
  vector: Object.freeze([0] as const),
});

/** A kind of weight layout, see {@link TORCH_TO_TFJS}. */
export type WeightLayout = keyof typeof TORCH_TO_TFJS;

/**
 * The inverse of an axis permutation: `invertPermutation(p)[p[i]] === i`, so transposing by
 * `p` and then by its inverse gives the original axes back.
 *
 * @param perm - A permutation of `0 … n − 1`.
 * @returns Its inverse, a new array.
 */
export function invertPermutation(perm: readonly number[]): number[] {
  return perm.map((_, i) => perm.indexOf(i));
}

/**
 * Axis permutations from the tfjs layout of a weight to the PyTorch/ONNX one (the inverses of
 * {@link TORCH_TO_TFJS}), in `tf.transpose`'s convention: e.g. `conv` HWIO → OIHW is
 * `[3, 2, 0, 1]`.
 */
export const TFJS_TO_TORCH: Readonly<Record<WeightLayout, readonly number[]>> = Object.freeze(
  Object.fromEntries(
    Object.entries(TORCH_TO_TFJS).map(([k, p]) => [k, Object.freeze(invertPermutation(p))]),
  ) as Record<WeightLayout, readonly number[]>,
);
