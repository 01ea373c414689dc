/**
 * numpy's float64 `sum` of a short contiguous array (pairwise summation's base case): fewer
 * than 8 values are added in order; up to 128 use 8 interleaved accumulators combined as
 * ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder in order; longer arrays split in halves.
 */
export function numpySum(a: ArrayLike<number>, start = 0, n = a.length): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[start + i];
    return s;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let k = 0; k < 8; k++) r[k] = a[start + k];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += a[start + i];
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(a, start, half) + numpySum(a, start + half, n - half);
}
