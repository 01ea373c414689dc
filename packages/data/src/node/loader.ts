import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { pairedLabels, planPairedEpoch, type PairedItem } from '../paired.js';
import {
  resolveTransformConfig,
  transformOutputSize,
  type TransformConfig,
  type TransformMode,
} from '../transforms/pipeline.js';
import {
  fromJobError,
  runBatchJob,
  type BatchJob,
  type BatchJobResult,
  type JobError,
} from './batch-job.js';
import { startWorker, workerScriptBeside } from './worker-thread.js';

/** Options of {@link createBatchLoader}. */
export interface BatchLoaderOptions {
  /** Sorted real files (e.g. from `discoverImages`). */
  readonly real: readonly string[];
  /** Sorted fake files. */
  readonly fake: readonly string[];
  /** `'train'` (random transforms, shuffled) or `'val'`/`'test'` (deterministic, in order). */
  readonly mode: TransformMode;
  /** Transform options (see `TransformConfig`). */
  readonly transform?: Partial<TransformConfig>;
  /** Images per batch, even: half real, half fake. @defaultValue 32 */
  readonly batchSize?: number;
  /** Seed: one seed, one sequence of batches. @defaultValue 0 */
  readonly seed?: number;
  /** Random pairing (`--no_serial_batches`). @defaultValue false */
  readonly noSerialBatches?: boolean;
  /** Shuffle items each epoch. @defaultValue true for `'train'`, false otherwise */
  readonly shuffle?: boolean;
  /** Drop a last, smaller batch. @defaultValue false */
  readonly dropLast?: boolean;
  /** Channel of the fake class; real = 1 − fakeClassId. @defaultValue 0 */
  readonly fakeClassId?: 0 | 1;
  /** Worker threads; 0 decodes on the calling thread. @defaultValue min(2, available cores) */
  readonly workers?: number;
  /** Batches decoded ahead of the consumer. @defaultValue 2 × max(workers, 1) */
  readonly prefetch?: number;
  /**
   * Bad files: `'throw'` stops with an error naming the file; `'skip'` drops the file's pair
   * from its batch, warns (naming the file) and counts it. @defaultValue 'throw'
   */
  readonly onError?: 'throw' | 'skip';
  /** Where skip warnings go. @defaultValue console.warn */
  readonly onWarning?: (message: string) => void;
}

/** A ready batch, laid out `[real…; fake…]`. */
export interface LoadedBatch {
  /** NHWC float32 in [-1, 1]: `count × size × size × 3`. Owned by the caller. */
  readonly images: Float32Array;
  /** Per image: `1 − fakeClassId` for reals, `fakeClassId` for fakes. */
  readonly labels: Int32Array;
  /** Per image: its file. */
  readonly paths: string[];
  /** Number of images (2 × pairs; smaller than `batchSize` for a last batch or skipped pairs). */
  readonly count: number;
  /** Side length of every image. */
  readonly size: number;
  readonly epoch: number;
  /** Batch index within the epoch. */
  readonly index: number;
}

/** A paired, class-balanced batch source with worker-thread decoding and prefetch. */
export interface BatchLoader {
  /**
   * Batches of epoch `epoch`, in order; the same for the same seed whatever the worker timing.
   * `start` skips the first batches without decoding them (a resumed run): batch `k` is the
   * same whether the epoch started at 0 or at `k`. @defaultValue start 0
   */
  epoch(epoch: number, start?: number): AsyncGenerator<LoadedBatch>;
  /** Number of batches per epoch. */
  readonly batchesPerEpoch: number;
  /** Side length of the output images. */
  readonly size: number;
  /** Distinct files skipped so far (`onError: 'skip'`). */
  readonly skippedFiles: readonly string[];
  /** Stops the workers. Pending batches are abandoned. Idempotent. */
  close(): Promise<void>;
}

interface Pool {
  run(job: BatchJob): Promise<BatchJobResult>;
  close(): Promise<void>;
}

function createPool(size: number): Pool {
  const script = workerScriptBeside(import.meta.url, 'loader-worker', 'loader-worker.js');
  type Waiter = {
    job: BatchJob;
    resolve: (r: BatchJobResult) => void;
    reject: (e: Error) => void;
    /** Workers that ended while running this job. */
    lost: number;
  };
  const queue: Waiter[] = [];
  const busy = new Map<Worker, Waiter>();
  const idle: Worker[] = [];
  /** Every worker not yet exited (close terminates them all, busy or idle). */
  const live = new Set<Worker>();
  let closed = false;
  /** Workers that ended unexpectedly since a job last completed (bounds the restarts). */
  let deaths = 0;
  /** Set when workers keep dying as they start: every job fails with it. */
  let broken: Error | undefined;
  const spawn = () => {
    const w = startWorker(script);
    live.add(w);
    let crash: Error | undefined;
    w.on('message', (msg: { id: number; result?: BatchJobResult; error?: JobError }) => {
      // A reply that arrives after close() began: the worker is being terminated, and
      // terminate() holds the process open until it has stopped. Unref'ing it here (as an idle
      // worker) let the process end before close() resolved, with nothing reported (exit 0).
      if (closed) return;
      const waiter = busy.get(w);
      busy.delete(w);
      deaths = 0;
      if (waiter) {
        if (msg.error) waiter.reject(fromJobError(msg.error));
        else waiter.resolve(msg.result!);
      }
      idle.push(w);
      pump();
    });
    w.on('error', (e) => (crash = e));
    // Every end of a worker (a crash, or an exit without one) settles its job: a job left
    // pending with no live worker would let the process end with nothing reported. A job is
    // a pure function of its files and seeds, so it runs again on a fresh worker, once.
    w.on('exit', (code) => {
      live.delete(w);
      const waiter = busy.get(w);
      busy.delete(w);
      const i = idle.indexOf(w);
      if (i >= 0) idle.splice(i, 1);
      if (closed) return;
      const why = (job: BatchJob) => {
        const paths = ` while loading ${job.paths.join(', ')}`;
        return crash
          ? new Error(`a batch loader worker crashed${paths}: ${crash.message}`, { cause: crash })
          : new Error(`a batch loader worker stopped unexpectedly (exit code ${code})${paths}`);
      };
      if (waiter && ++waiter.lost <= 1) queue.unshift(waiter);
      else waiter?.reject(why(waiter.job));
      if (++deaths > 2 * size) {
        // Workers die as they start (a broken install?): stop restarting them.
        broken = crash ?? new Error(`batch loader workers keep stopping (exit code ${code})`);
        for (const q of queue.splice(0)) q.reject(why(q.job));
        return;
      }
      idle.push(spawn());
      pump();
    });
    w.unref();
    return w;
  };
  idle.push(...Array.from({ length: size }, spawn));
  const pump = () => {
    while (!closed && idle.length && queue.length) {
      const w = idle.shift()!;
      const waiter = queue.shift()!;
      busy.set(w, waiter);
      w.ref();
      w.postMessage(waiter.job);
    }
    if (!closed) for (const w of idle) w.unref(); // closing: terminate() holds them
  };
  return {
    run(job) {
      if (closed) return Promise.reject(new Error('the batch loader is closed'));
      if (broken)
        return Promise.reject(
          new Error(`the batch loader's workers cannot run: ${broken.message}`, { cause: broken }),
        );
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject, lost: 0 });
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const waiter of [...queue, ...busy.values()])
        waiter.reject(new Error('the batch loader was closed'));
      queue.length = 0;
      busy.clear();
      await Promise.all([...live].map((w) => w.terminate()));
    },
  };
}

/**
 * Creates a paired batch loader (spec §3.3): each epoch is planned with the seeded generator
 * (`planPairedEpoch`), every image gets its own random stream `[seed, epoch, batch, slot]`, and
 * decode + transform + normalise run in `worker_threads` with a bounded prefetch queue. Batches
 * come out in order and are identical for a seed whether `workers` is 0, 1 or 2.
 *
 * @returns The loader. Call `close()` when done (in `finally`).
 * @throws When a side has no files or an option is invalid.
 */
export function createBatchLoader(options: BatchLoaderOptions): BatchLoader {
  const { real, fake, mode } = options;
  if (real.length === 0 || fake.length === 0) {
    throw new Error(
      `the batch loader needs real and fake files, got ${real.length} real and ${fake.length} fake`,
    );
  }
  const config = resolveTransformConfig(options.transform);
  const size = transformOutputSize(config, mode);
  const batchSize = options.batchSize ?? 32;
  const seed = options.seed ?? 0;
  const fakeClassId = options.fakeClassId ?? 0;
  const onError = options.onError ?? 'throw';
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const workers = options.workers ?? Math.min(2, availableParallelism());
  if (!Number.isInteger(workers) || workers < 0)
    throw new Error(`workers must be an integer ≥ 0, got ${workers}`);
  const prefetch = options.prefetch ?? 2 * Math.max(workers, 1);
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new Error(`prefetch must be an integer ≥ 1, got ${prefetch}`);
  const planOptions = {
    batchSize,
    seed,
    shuffle: options.shuffle ?? mode === 'train',
    noSerialBatches: options.noSerialBatches ?? false,
    dropLast: options.dropLast ?? false,
  };
  const batchesPerEpoch = planPairedEpoch(real.length, fake.length, planOptions).length;
  let pool: Pool | undefined;
  let closed = false;
  const skipped = new Set<string>();
  const run = (job: BatchJob) => {
    if (closed) return Promise.reject(new Error('the batch loader is closed'));
    if (workers === 0) return runBatchJob(job);
    pool ??= createPool(workers);
    return pool.run(job);
  };
  const assemble = (
    plan: PairedItem[],
    r: BatchJobResult,
    epoch: number,
    index: number,
  ): LoadedBatch => {
    const pairs = plan.length;
    const per = size * size * 3;
    const keep: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const bad = [r.failed[i], r.failed[pairs + i]];
      const files = [real[plan[i].real], fake[plan[i].fake]];
      bad.forEach((m, k) => {
        if (m === null) return;
        if (!skipped.has(files[k])) warn(`skipping bad file: ${m}`);
        skipped.add(files[k]);
      });
      if (bad[0] === null && bad[1] === null) keep.push(i);
    }
    const slots = [...keep, ...keep.map((i) => pairs + i)];
    let images = r.images;
    if (keep.length !== pairs) {
      images = new Float32Array(slots.length * per);
      slots.forEach((s, k) => images.set(r.images.subarray(s * per, (s + 1) * per), k * per));
    }
    return {
      images,
      labels: pairedLabels(keep.length, fakeClassId),
      paths: [...keep.map((i) => real[plan[i].real]), ...keep.map((i) => fake[plan[i].fake])],
      count: slots.length,
      size,
      epoch,
      index,
    };
  };
  return {
    batchesPerEpoch,
    size,
    get skippedFiles() {
      return [...skipped];
    },
    async *epoch(epoch: number, start = 0) {
      const plan = planPairedEpoch(real.length, fake.length, { ...planOptions, epoch });
      const pending = new Map<number, Promise<BatchJobResult>>();
      let next = start;
      const launch = () => {
        while (next < plan.length && pending.size < prefetch) {
          const b = next++;
          const items = plan[b];
          const paths = [...items.map((p) => real[p.real]), ...items.map((p) => fake[p.fake])];
          const job: BatchJob = {
            id: b,
            paths,
            seeds: paths.map((_, slot) => [seed, epoch, b, slot]),
            config,
            mode,
            size,
            onError,
          };
          const p = run(job);
          p.catch(() => {}); // awaited in order below; avoid unhandled rejections meanwhile
          pending.set(b, p);
        }
      };
      for (let b = start; b < plan.length; b++) {
        launch();
        const result = await pending.get(b)!;
        pending.delete(b);
        launch();
        yield assemble(plan[b], result, epoch, b);
      }
    },
    async close() {
      closed = true;
      await pool?.close();
    },
  };
}
