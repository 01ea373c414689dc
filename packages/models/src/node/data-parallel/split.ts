/**
 * How a batch's work is divided among replicas. Replica 0 is the calling thread, which also
 * gathers the results and applies the update, so ties go to the worker threads.
 */

/**
 * Assigns micro-batches to replicas so each gets about the same number of images (greedy, in
 * order: each micro-batch goes to the replica with the fewest images so far, workers first on
 * ties).
 *
 * @param sizes - Images of each micro-batch.
 * @param replicas - Replicas, ≥ 1 (index 0 is the calling thread).
 * @returns Per replica, the indices of its micro-batches (in increasing order).
 */
export function assignMicroBatches(sizes: readonly number[], replicas: number): number[][] {
  const shares = Array.from({ length: replicas }, () => [] as number[]);
  const load = new Array<number>(replicas).fill(0);
  // Search order: workers 1…R−1, then the calling thread.
  const order = [...Array.from({ length: replicas - 1 }, (_, i) => i + 1), 0];
  sizes.forEach((size, k) => {
    let best = order[0];
    for (const r of order) if (load[r] < load[best]) best = r;
    shares[best].push(k);
    load[best] += size;
  });
  return shares;
}

/**
 * Splits `n` rows into contiguous ranges, one per replica, as equal as possible; workers take
 * the first ranges (and the larger ones when `n` does not divide), the calling thread the last.
 *
 * @returns Per replica `[start, end)`; replica 0 (the calling thread) is the last range.
 */
export function splitRows(n: number, replicas: number): Array<readonly [number, number]> {
  const ranges = new Array<readonly [number, number]>(replicas);
  const base = Math.floor(n / replicas);
  const extra = n % replicas;
  let start = 0;
  for (let r = 1; r <= replicas; r++) {
    const index = r % replicas; // workers 1…R−1 first, then 0
    const size = base + (r <= extra ? 1 : 0);
    ranges[index] = [start, start + size];
    start += size;
  }
  return ranges;
}
