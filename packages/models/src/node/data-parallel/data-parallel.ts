import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { getModelMetadata } from '../../build.js';
import { simdKernelsEnabled } from '../../kernels/simd.js';
import type { Adam } from '../../train/adam.js';
import type { BatchNorm } from '../../layers/batch-norm.js';
import {
  accumulateGradients,
  batchNormLayers,
  forwardForStatistics,
} from '../../train/accumulate.js';
import {
  BatchNormSync,
  BatchNormSyncAborted,
  createBatchNormSyncBuffer,
  type BatchNormSyncBuffer,
} from '../../layers/batch-norm-sync.js';
import {
  balancedParts,
  evalStep,
  microBatches,
  recalibrateBatchNorm,
  computeLossAndAccuracies,
  trainableVariables,
  trainStep,
  type StepFunctions,
  type StepResult,
  type TrainStepOptions,
} from '../../train/step.js';
import { inferenceForward } from './forward.js';
import { resolveDataParallelConfig, type DataParallelConfig } from './config.js';
import type { ResolvedDataParallelConfig } from './config.js';
import { mergeStatistics, readWeights, unpackTensors } from './packed.js';
import { startReplicaPool, type ReplicaPool } from './pool.js';
import type { JobResult, ModelRef, PackedTensors, TrainResult, WorkerInit } from './protocol.js';
import { assignMicroBatches, splitRows } from './split.js';
import { dataParallelWorkerScript, type WorkerScript } from './worker-script.js';

/** Per-call options of {@link DataParallel.predict}. */
export interface PredictOptions {
  /** Images per forward pass in each thread (memory scales with it). @defaultValue 32 */
  readonly batchSize?: number;
  /**
   * Run with BatchNorm folded into the convolutions (`foldBatchNorm`; each thread folds the
   * current weights per call): faster, the same logits within float rounding.
   * @defaultValue true
   */
  readonly foldBatchNorm?: boolean;
}

/**
 * A data-parallel trainer: the calling thread and `workers − 1` worker threads, each with its
 * own backend instance and replica of the model, share every batch. Its functions take the
 * same arguments and give the same results as the single-thread ones (up to float rounding
 * in the order partial sums are added), so it can replace them, e.g. as `steps` of
 * `trainPatchDiscriminator`.
 *
 * The model passed in stays the one source of truth: its weights are sent to the workers with
 * every call, and only it is updated. Any model built by `buildPatchDiscriminator` or loaded
 * from a patchfx checkpoint works (the workers build their replicas from its patchfx metadata).
 * Calls are serialised: one runs at a time.
 */
export interface DataParallel extends StepFunctions {
  /** The resolved config. */
  readonly config: ResolvedDataParallelConfig;
  /**
   * One optimisation step, equal to `trainStep(model, optimizer, images, labels, options)`
   * on the calling thread with the same micro-batch size. The batch's class-balanced
   * micro-batches are divided among the threads; each computes gradient, loss and accuracy
   * sums weighted by micro-batch size, and BatchNorm's Σx, Σx² and count, over its share; the
   * calling thread adds them up, applies Adam once and updates BatchNorm's moving statistics
   * once from the whole batch.
   *
   * `options.microBatchSize` defaults to ⌈N / workers⌉ (at least one micro-batch per thread),
   * where the single-thread default is the whole batch: BatchNorm then normalises each half
   * with its own statistics, as PyTorch's `DataParallel` does per device.
   *
   * Input shape: images `[N, h, w, 3]`, labels `[N]`. Neither is disposed.
   * @returns Loss and accuracies of the batch (plain numbers).
   * @throws When a worker fails or dies: `data-parallel worker <k> …: <cause>`; the model and
   *   optimizer are then left unchanged.
   */
  trainStep(
    model: LayersModel,
    optimizer: Adam,
    images: tf.Tensor4D,
    labels: tf.Tensor1D,
    options?: TrainStepOptions,
  ): Promise<StepResult>;
  /** `evalStep` with the batch's forward passes divided among the threads ({@link DataParallel.predict}). */
  evalStep(model: LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D): Promise<StepResult>;
  /**
   * `recalibrateBatchNorm` ("precise BN") with the batches divided among the threads; the
   * moving statistics become the exact statistics of all of them, as on one thread.
   */
  recalibrateBatchNorm(model: LayersModel, batches: readonly tf.Tensor4D[]): Promise<void>;
  /**
   * Inference-mode outputs of a batch: its images are split into contiguous parts, one per
   * thread, and the logits concatenated in order. Equals `model.predict(images)`.
   *
   * Input shape: `[N, h, w, 3]` (not disposed). Output shape: the model's, `[N, …]`.
   * @returns The logits. The caller owns the returned tensor.
   */
  predict(model: LayersModel, images: tf.Tensor4D, options?: PredictOptions): Promise<tf.Tensor>;
  /** Terminates the worker threads. Idempotent; later calls reject. */
  dispose(): Promise<void>;
}

type Weighted = Record<'loss' | 'raw' | 'voted' | 'avg', number>;

function modelRefs(): (model: LayersModel) => ModelRef {
  const ids = new WeakMap<LayersModel, number>();
  let next = 1;
  return (model) => {
    let meta;
    try {
      meta = getModelMetadata(model);
    } catch (e) {
      throw new Error(
        `data-parallel: the worker threads rebuild the model from its patchfx metadata, and '${model.name}' has none; ` +
          `build it with buildPatchDiscriminator or load it from a patchfx checkpoint`,
        { cause: e },
      );
    }
    let id = ids.get(model);
    if (id === undefined) ids.set(model, (id = next++));
    return { id, config: meta.config };
  };
}

/** A fresh copy of `packed` (every worker gets its own buffer to transfer). */
const copyPacked = (p: PackedTensors): PackedTensors => ({ ...p, data: p.data.slice() });

/** Rows `rows` of an NHWC buffer, in that order, in a new buffer. */
function gatherRows(data: Float32Array, per: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * per);
  rows.forEach((r, i) => out.set(data.subarray(r * per, (r + 1) * per), i * per));
  return out;
}

function imageShape(images: tf.Tensor4D): [number, number, number] {
  const [, h, w, c] = images.shape;
  return [h, w, c];
}

/** Micro-batches of a synchronised step: a multiple of the threads, each of at most `size`. */
function syncParts(n: number, size: number, replicas: number): number {
  const parts = replicas * Math.ceil(n / (replicas * size));
  return parts <= n ? parts : n >= replicas ? replicas * Math.floor(n / replicas) : n;
}

/** Images per pass of a data-parallel step: the `microBatchSize` given, else ⌈N / threads⌉. */
function passSize(n: number, microBatchSize: number | undefined, replicas: number): number {
  return Math.max(1, Math.min(n, Math.floor(microBatchSize ?? Math.ceil(n / replicas))));
}

/**
 * How a data-parallel step with this config divides a batch of `batchSize` (what
 * {@link DataParallel.trainStep} does), for the record of a run (`TrainingRecord`).
 *
 * @param microBatchSize - Images per pass in one thread, as given to `trainStep`.
 * @returns Images per pass in one thread, images BatchNorm normalises together (the largest
 *   group when they differ by one), and whether that crosses threads.
 *
 * @example
 * ```ts doctest
 * import { describeBatchSplit } from '@patchfx/models/node';
 * // 32 images on two threads, synchronised: 16 per thread, BatchNorm over all 32.
 * describeBatchSplit(32, { workers: 2, batchNorm: 'sync' }); // => { imagesPerPass: 16, batchNormImages: 32, batchNormSynchronised: true }
 * describeBatchSplit(32, { workers: 2, batchNorm: 'local' }).batchNormImages; // => 16
 * describeBatchSplit(32, { workers: 1 }, 16).batchNormImages; // => 16
 * ```
 */
export function describeBatchSplit(
  batchSize: number,
  config: Pick<ResolvedDataParallelConfig, 'workers'> &
    Partial<Pick<ResolvedDataParallelConfig, 'batchNorm'>>,
  microBatchSize?: number,
): { imagesPerPass: number; batchNormImages: number; batchNormSynchronised: boolean } {
  const n = batchSize;
  const replicas = config.workers;
  if (replicas === 1) {
    const size = Math.max(1, Math.min(n, Math.floor(microBatchSize ?? n)));
    return { imagesPerPass: size, batchNormImages: size, batchNormSynchronised: false };
  }
  const size = passSize(n, microBatchSize, replicas);
  if (size >= n) return { imagesPerPass: n, batchNormImages: n, batchNormSynchronised: false };
  if ((config.batchNorm ?? 'sync') === 'local') {
    return { imagesPerPass: size, batchNormImages: size, batchNormSynchronised: false };
  }
  const parts = syncParts(n, size, replicas);
  const threads = Math.min(replicas, parts);
  const rounds = parts / threads;
  return {
    imagesPerPass: Math.ceil(n / parts),
    batchNormImages: Math.ceil(n / rounds),
    batchNormSynchronised: threads > 1,
  };
}

/**
 * How a synchronised step divides a batch: `K` rounds, each with one class-balanced
 * micro-batch of at most `size` images per thread; the threads' micro-batches of a round are
 * normalised together. Chunk `j` goes to thread `j mod R` (round `⌊j / R⌋`).
 */
function syncPlan(
  labels: Int32Array,
  size: number,
  replicas: number,
  bns: readonly BatchNorm[],
): {
  chunks: number[][];
  shares: number[][];
  ranks: number[];
  buffer: BatchNormSyncBuffer;
} {
  const n = labels.length;
  const parts = syncParts(n, size, replicas);
  const chunks = balancedParts(labels, parts);
  const threads = Math.min(replicas, parts);
  const shares = Array.from({ length: replicas }, (_, r) =>
    r < threads ? chunks.map((_, j) => j).filter((j) => j % threads === r) : [],
  );
  const channels = Math.max(...bns.map((b) => b.channels));
  return {
    chunks,
    shares,
    // Threads with work take ranks 0…threads−1; the calling thread is 0.
    ranks: shares.map((_, r) => r),
    buffer: createBatchNormSyncBuffer(threads, channels),
  };
}

/**
 * {@link createDataParallel} with another worker script (tests use fixture workers).
 * @internal
 */
export async function createDataParallelWith(
  config: Partial<DataParallelConfig>,
  script: WorkerScript,
): Promise<DataParallel> {
  const resolved = resolveDataParallelConfig(config);
  const replicas = resolved.workers;
  const pool: ReplicaPool | null =
    replicas > 1
      ? await startReplicaPool({
          size: replicas - 1,
          script,
          workerData: {
            backend: resolved.backend,
            maxReplicas: resolved.maxReplicas,
            simdKernels: simdKernelsEnabled(),
          } satisfies WorkerInit,
        })
      : null;
  const refOf = modelRefs();
  let disposed = false;
  let lock: Promise<unknown> = Promise.resolve();

  /** Runs calls one at a time. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    if (disposed) return Promise.reject(new Error('the data-parallel trainer is disposed'));
    const run = lock.then(fn, fn);
    lock = run.catch(() => {});
    return run;
  };

  /**
   * Sends one job to each worker that has work (`null`: none), then does the calling thread's
   * share while they run, then combines their results (in worker order, skipping `null`s).
   * Every job has settled when it returns or throws.
   */
  const runJobs = async (
    jobs: ReadonlyArray<(() => Parameters<ReplicaPool['run']>[1]) | null>,
    onCallingThread: (pending: ReadonlyArray<Promise<JobResult>>) => Promise<void>,
    combine: (results: JobResult[]) => void,
  ): Promise<void> => {
    const pending = jobs.map((make, i) => (make ? pool!.run(i, make()) : null));
    pending.forEach((p) => p?.catch(() => {})); // awaited below
    const started = pending.filter((p): p is Promise<JobResult> => p != null);
    try {
      try {
        await onCallingThread(started);
      } catch (e) {
        // The calling thread stopped because a worker failed: report the worker's error.
        if (!(e instanceof BatchNormSyncAborted)) throw e;
        const failed = (await Promise.allSettled(started)).find((r) => r.status === 'rejected');
        throw failed ? failed.reason : e;
      }
      const results = await Promise.all(pending);
      combine(results.filter((r): r is JobResult => r != null));
    } finally {
      await Promise.allSettled(pending);
    }
  };

  const parallelTrainStep = async (
    model: LayersModel,
    optimizer: Adam,
    images: tf.Tensor4D,
    labels: tf.Tensor1D,
    options: TrainStepOptions,
  ): Promise<StepResult> => {
    const n = images.shape[0];
    const size = passSize(n, options.microBatchSize, replicas);
    if (!pool || size >= n)
      return trainStep(model, optimizer, images, labels, { microBatchSize: size });
    const ref = refOf(model);
    const labelData = Int32Array.from(await labels.data());
    const bns = batchNormLayers(model);
    const plan =
      resolved.batchNorm === 'sync' && bns.length > 0
        ? syncPlan(labelData, size, replicas, bns)
        : null;
    const chunks = plan ? plan.chunks : microBatches(labelData, size);
    const shares = plan
      ? plan.shares
      : assignMicroBatches(
          chunks.map((c) => c.length),
          replicas,
        );
    const weights = await readWeights(model);
    const pixels = (await images.data()) as Float32Array;
    const shape = imageShape(images);
    const per = shape[0] * shape[1] * shape[2];
    const vars = trainableVariables(model);
    bns.forEach((b) => b.beginAccumulation());
    const sync = plan ? new BatchNormSync(plan.buffer, 0) : null;
    let grads = new Map<string, tf.Tensor>();
    const sums: Weighted = { loss: 0, raw: 0, voted: 0, avg: 0 };
    const add = (s: Weighted) => {
      for (const k of ['loss', 'raw', 'voted', 'avg'] as const) sums[k] += s[k];
    };
    try {
      await runJobs(
        shares.slice(1).map((share, w) => {
          if (share.length === 0) return null;
          return () => {
            const rows = share.flatMap((k) => chunks[k]);
            return {
              kind: 'train' as const,
              model: ref,
              weights: copyPacked(weights),
              images: gatherRows(pixels, per, rows),
              imageShape: shape,
              labels: Int32Array.from(rows, (r) => labelData[r]),
              chunkSizes: share.map((k) => chunks[k].length),
              total: n,
              ...(plan && { sync: { buffer: plan.buffer, rank: plan.ranks[w + 1] } }),
            };
          };
        }),
        async (pending) => {
          const mine = shares[0].map((k) => chunks[k]);
          if (mine.length === 0) return;
          if (!sync) {
            const local = await accumulateGradients(model, vars, images, labels, mine, n);
            grads = local.grads;
            add(local);
            return;
          }
          // The exchanges block this thread: start them only once every worker has begun its
          // share (a worker that fails to start is reported instead of waited for).
          const joined = sync.whenJoined(plan!.buffer.parties - 1);
          joined.catch(() => {});
          bns.forEach((b) => b.synchronise(sync));
          try {
            await Promise.race([joined, ...pending]);
            const local = await accumulateGradients(model, vars, images, labels, mine, n);
            grads = local.grads;
            add(local);
          } catch (e) {
            sync.abort(); // the workers stop waiting for this thread
            throw e;
          } finally {
            bns.forEach((b) => b.synchronise(null));
          }
        },
        (results) => {
          for (const r of results as TrainResult[]) {
            add(r);
            for (const [name, g] of unpackTensors(r.grads)) {
              const prev = grads.get(name);
              grads.set(
                name,
                tf.tidy(() => {
                  const t = tf.tensor(g.values, [...g.shape], 'float32');
                  return prev ? tf.add(prev, t) : t;
                }),
              );
              prev?.dispose();
            }
            mergeStatistics(bns, r.statistics);
          }
        },
      );
      optimizer.applyGradients(vars, grads);
      bns.forEach((b) => b.commitAccumulation());
      return { ...sums, n };
    } finally {
      bns.forEach((b) => b.discardAccumulation());
      for (const t of grads.values()) t.dispose();
    }
  };

  const parallelPredict = async (
    model: LayersModel,
    images: tf.Tensor4D,
    options: PredictOptions,
  ): Promise<tf.Tensor> => {
    const n = images.shape[0];
    const batchSize = options.batchSize ?? 32;
    const fold = options.foldBatchNorm ?? true;
    const local = (x: tf.Tensor4D) => inferenceForward(model, x, batchSize, fold);
    if (!pool || n < 2) return local(images);
    const ref = refOf(model);
    const ranges = splitRows(n, replicas);
    const weights = await readWeights(model);
    const shape = imageShape(images);
    const parts: Array<tf.Tensor | null> = new Array<tf.Tensor | null>(replicas).fill(null);
    try {
      // Each worker's rows, copied out before any job is sent.
      const rows = await Promise.all(
        ranges.slice(1).map(async ([s, e]) => {
          if (e === s) return null;
          const part = tf.slice(images, [s, 0, 0, 0], [e - s, ...shape]);
          try {
            return Float32Array.from((await part.data()) as Float32Array);
          } finally {
            part.dispose();
          }
        }),
      );
      await runJobs(
        rows.map((data) =>
          data
            ? () => ({
                kind: 'predict' as const,
                model: ref,
                weights: copyPacked(weights),
                images: data,
                imageShape: shape,
                batchSize,
                foldBatchNorm: fold,
              })
            : null,
        ),
        async () => {
          const [s, e] = ranges[0];
          if (e > s)
            parts[0] = tf.tidy(() => local(tf.slice(images, [s, 0, 0, 0], [e - s, ...shape])));
        },
        (results) => {
          let k = 0;
          rows.forEach((data, i) => {
            if (!data) return;
            const r = results[k++];
            if (r.kind !== 'predict')
              throw new Error(`data-parallel worker ${i + 1} sent a ${r.kind} result`);
            parts[i + 1] = tf.tensor(r.logits, [...r.shape], 'float32');
          });
        },
      );
      // Row order: workers 1…R−1, then the calling thread (see splitRows).
      const ordered = [...parts.slice(1), parts[0]].filter((t): t is tf.Tensor => t != null);
      return ordered.length === 1 ? tf.clone(ordered[0]) : tf.concat(ordered, 0);
    } finally {
      tf.dispose(parts.filter((t): t is tf.Tensor => t != null));
    }
  };

  const parallelRecalibrate = async (
    model: LayersModel,
    batches: readonly tf.Tensor4D[],
  ): Promise<void> => {
    const bns = batchNormLayers(model);
    if (!pool || batches.length < 2 || bns.length === 0)
      return recalibrateBatchNorm(model, batches);
    const ref = refOf(model);
    // Whole batches per thread (a batch's statistics depend on its own normalisation).
    const shares = assignMicroBatches(
      batches.map((b) => b.shape[0]),
      replicas,
    );
    const weights = await readWeights(model);
    const data = await Promise.all(
      batches.map(async (b) => Float32Array.from((await b.data()) as Float32Array)),
    );
    bns.forEach((b) => b.beginAccumulation());
    try {
      await runJobs(
        shares.slice(1).map((share) =>
          share.length
            ? () => ({
                kind: 'statistics' as const,
                model: ref,
                weights: copyPacked(weights),
                batches: share.map((k) => ({
                  images: data[k],
                  shape: [...batches[k].shape] as [number, number, number, number],
                })),
              })
            : null,
        ),
        async () => {
          await forwardForStatistics(
            model,
            shares[0].map((k) => batches[k]),
          );
        },
        (results) => {
          for (const r of results) if (r.kind === 'statistics') mergeStatistics(bns, r.statistics);
        },
      );
      bns.forEach((b) => b.commitAccumulation(true));
    } finally {
      bns.forEach((b) => b.discardAccumulation());
    }
  };

  return {
    config: resolved,
    trainStep: (model, optimizer, images, labels, options = {}) =>
      exclusive(() => parallelTrainStep(model, optimizer, images, labels, options)),
    evalStep: (model, images, labels) =>
      exclusive(async () => {
        if (!pool) return evalStep(model, images, labels);
        const logits = await parallelPredict(model, images, {});
        try {
          return await computeLossAndAccuracies(logits, labels);
        } finally {
          logits.dispose();
        }
      }),
    recalibrateBatchNorm: (model, batches) => exclusive(() => parallelRecalibrate(model, batches)),
    predict: (model, images, options = {}) =>
      exclusive(() => parallelPredict(model, images, options)),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await lock;
      await pool?.close();
    },
  };
}

/**
 * Starts a data-parallel trainer: `workers − 1` worker threads, each with its own tfjs-core,
 * backend (`wasm` with patchfx's SIMD training kernels, or `cpu`) and replica of the model,
 * computing together with the calling thread. tfjs-backend-wasm cannot start threads in
 * Node, so this is how training and inference on wasm use more than one core.
 *
 * With `workers: 1` no thread is started and every function runs the single-thread one.
 *
 * @param config - See {@link DataParallelConfig}; `workers` defaults to 2 on wasm with ≥ 2 cores.
 * @returns The trainer; call `dispose()` when done (in `finally`): it terminates the threads.
 * @throws When the config is invalid, or a worker cannot start its backend (the message names
 *   the worker and the cause).
 *
 * @example
 * ```ts doctest
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildPatchDiscriminator } from '@patchfx/models';
 * import { Adam } from '@patchfx/models/train';
 * import { createDataParallel } from '@patchfx/models/node';
 * const model = buildPatchDiscriminator('xception_relu1');
 * const optimizer = new Adam();
 * const images = tf.randomUniform([4, 32, 32, 3], -1, 1) as tf.Tensor4D;
 * const labels = tf.tensor1d([1, 1, 0, 0], 'int32');
 * // This thread and one worker thread (on this thread's backend) share each batch:
 * const dp = await createDataParallel({ workers: 2 });
 * const result = await dp.trainStep(model, optimizer, images, labels);
 * result.n; // => 4
 * optimizer.step; // => 1
 * await dp.dispose();
 * tf.dispose([images, labels]);
 * optimizer.dispose();
 * model.dispose();
 * ```
 */
export function createDataParallel(
  config: Partial<DataParallelConfig> = {},
): Promise<DataParallel> {
  return createDataParallelWith(config, dataParallelWorkerScript());
}
