/**
 * NumPy's pairwise summation (`np.sum` / `np.add.reduce` on a contiguous float64 array,
 * numpy 1.24 `pairwise_sum`): plain loop below 8 values, 8 interleaved accumulators up to a
 * block of 128, recursive halving (rounded down to a multiple of 8) above. The reduction starts
 * from 0, so the result is `0 + pairwise(a)`. Reproducing it makes AP and AUC bit-identical to
 * scikit-learn, not just close.
 */
export function numpySum(a: ArrayLike<number>): number {
  return 0 + pairwise(a, 0, a.length);
}

const BLOCK = 128;

function pairwise(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= BLOCK) {
    const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}
