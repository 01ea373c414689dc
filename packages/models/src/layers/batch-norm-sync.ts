/**
 * Synchronised BatchNorm: replicas of a model in different threads, each training on its part
 * of one batch, combine every BatchNorm layer's statistics through shared memory during the
 * step, so that each normalises with the statistics of the whole batch (forward) and
 * back-propagates through them (backward) — the step one thread would take on the whole batch.
 *
 * The threads meet at a barrier once per BatchNorm layer in the forward pass and once in the
 * backward pass, in the same order in every replica (the same layer graph). Exchanges block
 * (`Atomics.wait`), which Node allows on every thread, and are combined in rank order in
 * float64, so every thread gets bit-identical results.
 */

/** The shared memory of one synchronised step, as plain data (it crosses threads). */
export interface BatchNormSyncBuffer {
  readonly buffer: SharedArrayBuffer;
  /** Threads that take part. */
  readonly parties: number;
  /** Float64 values one thread can contribute to one exchange. */
  readonly slot: number;
}

/** `Atomics.waitAsync` (ES2024; Node ≥ 16, Chromium ≥ 87), typed where the lib lacks it. */
const atomics: typeof Atomics & {
  readonly waitAsync?: (
    array: Int32Array,
    index: number,
    value: number,
    timeoutMs: number,
  ) => { readonly value: Promise<string> | string };
} = Atomics;

/** Control words (Int32) at the start of the buffer. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
const JOINED = 3;
const CONTROL_BYTES = 16;

/**
 * Allocates the shared memory for `parties` threads training a model whose widest BatchNorm
 * layer has `channels` channels.
 */
export function createBatchNormSyncBuffer(parties: number, channels: number): BatchNormSyncBuffer {
  if (!Number.isInteger(parties) || parties < 1) {
    throw new Error(
      `synchronised BatchNorm needs an integer number of threads ≥ 1, got ${parties}`,
    );
  }
  if (!Number.isInteger(channels) || channels < 0) {
    throw new Error(`synchronised BatchNorm: channels must be an integer ≥ 0, got ${channels}`);
  }
  const slot = 1 + 2 * channels;
  // Two banks of slots, alternating by generation: a thread that has left exchange k can
  // write exchange k + 1 while slower ones still read exchange k.
  const buffer = new SharedArrayBuffer(CONTROL_BYTES + 2 * parties * slot * 8);
  return { buffer, parties, slot };
}

/** Thrown in a thread whose exchange was abandoned because another thread failed. */
export class BatchNormSyncAborted extends Error {
  override readonly name = 'BatchNormSyncAborted';
}

/** Options of {@link BatchNormSync}. */
export interface BatchNormSyncOptions {
  /**
   * How long one exchange waits for the other threads before it gives up (and aborts the
   * step for all).
   * @defaultValue 120 000 ms
   */
  readonly timeoutMs?: number;
}

/** Moments of a batch (or of several threads' parts of it): per channel, over `count` values. */
export interface BatchMoments {
  readonly mean: Float32Array;
  /** Biased (divided by `count`). */
  readonly variance: Float32Array;
  readonly count: number;
}

/**
 * One thread's handle on a {@link BatchNormSyncBuffer}.
 *
 * @example
 * ```ts doctest
 * import { BatchNormSync, createBatchNormSyncBuffer } from '@patchfx/models/train';
 * // One party: the exchange returns this thread's own statistics.
 * const sync = new BatchNormSync(createBatchNormSyncBuffer(1, 2), 0);
 * const m = sync.combineMoments({ mean: Float32Array.of(1, 2), variance: Float32Array.of(4, 0), count: 3 });
 * Array.from(m.mean); // => [1, 2]
 * m.count; // => 3
 * ```
 */
export class BatchNormSync {
  readonly rank: number;
  readonly parties: number;
  private readonly control: Int32Array;
  private readonly data: Float64Array;
  private readonly slot: number;
  private readonly timeoutMs: number;

  constructor(shared: BatchNormSyncBuffer, rank: number, options: BatchNormSyncOptions = {}) {
    if (!Number.isInteger(rank) || rank < 0 || rank >= shared.parties) {
      throw new Error(`synchronised BatchNorm: rank ${rank} outside 0…${shared.parties - 1}`);
    }
    this.rank = rank;
    this.parties = shared.parties;
    this.slot = shared.slot;
    this.control = new Int32Array(shared.buffer, 0, 4);
    this.data = new Float64Array(shared.buffer, CONTROL_BYTES);
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Tells the other threads this one has started its part of the step (see `joined`). */
  join(): void {
    Atomics.add(this.control, JOINED, 1);
    Atomics.notify(this.control, JOINED);
  }

  /** Threads that have called {@link BatchNormSync.join} (non-blocking). */
  joined(): number {
    return Atomics.load(this.control, JOINED);
  }

  /**
   * Resolves once `count` threads have joined, without blocking the event loop (so that a
   * thread can notice a failed worker instead of waiting for it).
   */
  async whenJoined(count: number): Promise<void> {
    for (;;) {
      const now = Atomics.load(this.control, JOINED);
      if (now >= count) return;
      if (Atomics.load(this.control, ABORTED)) throw new BatchNormSyncAborted('aborted');
      if (atomics.waitAsync) await atomics.waitAsync(this.control, JOINED, now, 1000).value;
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Whether some thread has aborted the step. */
  get aborted(): boolean {
    return Atomics.load(this.control, ABORTED) !== 0;
  }

  /** Abandons the step: every thread waiting in an exchange (now or later) throws. */
  abort(): void {
    Atomics.store(this.control, ABORTED, 1);
    Atomics.notify(this.control, GENERATION);
    Atomics.notify(this.control, JOINED);
  }

  /**
   * Contributes `values` and waits for every thread's; returns all contributions, by rank.
   * The views are valid until this thread's next exchange.
   *
   * @throws {@link BatchNormSyncAborted} when another thread aborted, or after `timeoutMs`.
   */
  exchange(values: ArrayLike<number>): Float64Array[] {
    if (values.length > this.slot) {
      throw new Error(
        `synchronised BatchNorm: ${values.length} values do not fit a slot of ${this.slot}`,
      );
    }
    const c = this.control;
    if (Atomics.load(c, ABORTED)) throw new BatchNormSyncAborted('aborted by another thread');
    const generation = Atomics.load(c, GENERATION);
    const bank = (generation & 1) * this.parties * this.slot;
    this.data.set(values, bank + this.rank * this.slot);
    if (Atomics.add(c, ARRIVED, 1) === this.parties - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
    } else {
      const deadline = Date.now() + this.timeoutMs;
      while (Atomics.load(c, GENERATION) === generation) {
        if (Atomics.load(c, ABORTED)) throw new BatchNormSyncAborted('aborted by another thread');
        const left = deadline - Date.now();
        if (left <= 0) {
          this.abort();
          throw new Error(
            `synchronised BatchNorm: thread ${this.rank} waited ${this.timeoutMs} ms for the other ` +
              `${this.parties - 1} thread(s) at one layer; a worker thread probably died (out of memory?)`,
          );
        }
        Atomics.wait(c, GENERATION, generation, Math.min(left, 1000));
      }
    }
    if (Atomics.load(c, ABORTED)) throw new BatchNormSyncAborted('aborted by another thread');
    return Array.from({ length: this.parties }, (_, r) =>
      this.data.subarray(bank + r * this.slot, bank + r * this.slot + values.length),
    );
  }

  /**
   * The moments of the union of every thread's values (Chan et al.'s pairwise combination,
   * in float64, in rank order).
   */
  combineMoments(local: BatchMoments): BatchMoments {
    const c = local.mean.length;
    const values = new Float64Array(1 + 2 * c);
    values[0] = local.count;
    values.set(local.mean, 1);
    values.set(local.variance, 1 + c);
    const all = this.exchange(values);
    const count = all.reduce((s, v) => s + v[0], 0);
    const mean = new Float64Array(c);
    for (const v of all) for (let k = 0; k < c; k++) mean[k] += (v[0] * v[1 + k]) / count;
    const variance = new Float64Array(c);
    for (const v of all) {
      for (let k = 0; k < c; k++) {
        const d = v[1 + k] - mean[k];
        variance[k] += (v[0] * (v[1 + c + k] + d * d)) / count;
      }
    }
    return { mean: Float32Array.from(mean), variance: Float32Array.from(variance), count };
  }

  /** Element-wise sums over every thread of `a` and `b` (same lengths in every thread). */
  sum(a: ArrayLike<number>, b: ArrayLike<number>): [Float32Array, Float32Array] {
    const n = a.length;
    const values = new Float64Array(2 * n);
    values.set(a, 0);
    values.set(b, n);
    const all = this.exchange(values);
    const sa = new Float64Array(n);
    const sb = new Float64Array(n);
    for (const v of all) {
      for (let k = 0; k < n; k++) {
        sa[k] += v[k];
        sb[k] += v[n + k];
      }
    }
    return [Float32Array.from(sa), Float32Array.from(sb)];
  }
}
