import { describe, expect, test } from 'vitest';
import {
  BatchNormSync,
  BatchNormSyncAborted,
  createBatchNormSyncBuffer,
} from '../src/train/index.js';

// The exchanges between threads are tested end to end in data-parallel.test.ts (two threads
// with synchronised BatchNorm take the step one thread takes on the whole batch); here, what
// one thread can see on its own.
describe('BatchNormSync', () => {
  test('one party: moments and sums come back unchanged (in float32)', () => {
    const sync = new BatchNormSync(createBatchNormSyncBuffer(1, 3), 0);
    const m = sync.combineMoments({
      mean: Float32Array.of(0.5, -2, 3),
      variance: Float32Array.of(1, 0, 0.25),
      count: 7,
    });
    expect(Array.from(m.mean)).toEqual([0.5, -2, 3]);
    expect(Array.from(m.variance)).toEqual([1, 0, 0.25]);
    expect(m.count).toBe(7);
    const [a, b] = sync.sum([1, 2, 3], [4, 5, 6]);
    expect(Array.from(a)).toEqual([1, 2, 3]);
    expect(Array.from(b)).toEqual([4, 5, 6]);
  });

  test('a thread waiting for a party that never comes gives up after timeoutMs, and aborts', () => {
    const buffer = createBatchNormSyncBuffer(2, 1);
    const sync = new BatchNormSync(buffer, 0, { timeoutMs: 50 });
    const t0 = Date.now();
    expect(() => sync.sum([1], [2])).toThrow(
      /thread 0 waited 50 ms for the other 1 thread\(s\) at one layer; a worker thread probably died/,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    // The step is abandoned for everyone: the other party would not wait either.
    const other = new BatchNormSync(buffer, 1);
    expect(other.aborted).toBe(true);
    expect(() => other.sum([1], [2])).toThrow(BatchNormSyncAborted);
  });

  test('after abort() every exchange and whenJoined throw BatchNormSyncAborted', async () => {
    const buffer = createBatchNormSyncBuffer(3, 2);
    const a = new BatchNormSync(buffer, 0);
    const b = new BatchNormSync(buffer, 2);
    b.join();
    expect(a.joined()).toBe(1);
    const waiting = a.whenJoined(2);
    b.abort();
    await expect(waiting).rejects.toThrow(BatchNormSyncAborted);
    expect(() =>
      a.combineMoments({ mean: new Float32Array(2), variance: new Float32Array(2), count: 1 }),
    ).toThrow(BatchNormSyncAborted);
  });

  test('whenJoined resolves once enough threads have joined', async () => {
    const buffer = createBatchNormSyncBuffer(3, 1);
    const a = new BatchNormSync(buffer, 0);
    const joined = a.whenJoined(2);
    new BatchNormSync(buffer, 1).join();
    new BatchNormSync(buffer, 2).join();
    await expect(joined).resolves.toBeUndefined();
  });

  test('bad input: ranks, sizes, parties', () => {
    expect(() => createBatchNormSyncBuffer(0, 4)).toThrow(/threads ≥ 1, got 0/);
    expect(() => createBatchNormSyncBuffer(2, -1)).toThrow(/channels must be an integer ≥ 0/);
    const buffer = createBatchNormSyncBuffer(2, 2);
    expect(() => new BatchNormSync(buffer, 2)).toThrow(/rank 2 outside 0…1/);
    const sync = new BatchNormSync(buffer, 0);
    expect(() => sync.sum([1, 2, 3], [1, 2, 3])).toThrow(/6 values do not fit a slot of 5/);
  });
});
