/**
 * The messages between the data-parallel trainer (main thread) and its worker threads. Plain
 * data only: typed arrays travel as transfers, never tensors.
 */
import type { BatchNormAccumulation } from '../../layers/batch-norm.js';
import type { BatchNormSyncBuffer } from '../../layers/batch-norm-sync.js';
import type { ModelConfig } from '../../variants.js';

/** Float32 tensors packed back to back in one buffer (one transfer). */
export interface PackedTensors {
  readonly names: readonly string[];
  readonly shapes: ReadonlyArray<readonly number[]>;
  readonly data: Float32Array;
}

/** Which model a job is for: the worker builds (once) a replica from its patchfx config. */
export interface ModelRef {
  /** Per-trainer id of the main thread's model. */
  readonly id: number;
  readonly config: ModelConfig;
}

/** A BatchNorm layer's accumulated statistics, by layer name. */
export interface LayerStatistics extends BatchNormAccumulation {
  readonly layer: string;
}

/** Forward + backward over some micro-batches of a batch; nothing applied. */
export interface TrainJob {
  readonly kind: 'train';
  readonly model: ModelRef;
  /** Every weight of the model (trainable and BatchNorm moving statistics). */
  readonly weights: PackedTensors;
  /** The micro-batches' images back to back, NHWC. */
  readonly images: Float32Array;
  /** `[h, w, c]` of one image. */
  readonly imageShape: readonly [number, number, number];
  readonly labels: Int32Array;
  /** Images of each micro-batch, in order. */
  readonly chunkSizes: readonly number[];
  /** Images of the whole batch (weights are `size / total`). */
  readonly total: number;
  /**
   * Synchronised BatchNorm: the step's shared memory and this worker's rank in it. Its k-th
   * micro-batch is normalised together with the other threads' k-th.
   */
  readonly sync?: { readonly buffer: BatchNormSyncBuffer; readonly rank: number };
}

/** Inference-mode forward passes. */
export interface PredictJob {
  readonly kind: 'predict';
  readonly model: ModelRef;
  readonly weights: PackedTensors;
  readonly images: Float32Array;
  readonly imageShape: readonly [number, number, number];
  /** Images per forward pass. */
  readonly batchSize: number;
  /** Run with BatchNorm folded into the convolutions. */
  readonly foldBatchNorm: boolean;
}

/** Training-mode forward passes for BatchNorm statistics ("precise BN"). */
export interface StatisticsJob {
  readonly kind: 'statistics';
  readonly model: ModelRef;
  readonly weights: PackedTensors;
  readonly batches: ReadonlyArray<{
    readonly images: Float32Array;
    readonly shape: readonly [number, number, number, number];
  }>;
}

export type Job = TrainJob | PredictJob | StatisticsJob;

export interface TrainResult {
  readonly kind: 'train';
  /** Σ (size / total) · gradient per trainable weight. */
  readonly grads: PackedTensors;
  readonly loss: number;
  readonly raw: number;
  readonly voted: number;
  readonly avg: number;
  readonly statistics: readonly LayerStatistics[];
}

export interface PredictResult {
  readonly kind: 'predict';
  readonly logits: Float32Array;
  readonly shape: readonly number[];
}

export interface StatisticsResult {
  readonly kind: 'statistics';
  readonly statistics: readonly LayerStatistics[];
}

export type JobResult = TrainResult | PredictResult | StatisticsResult;

/** What the main thread sends. */
export interface JobRequest {
  readonly id: number;
  readonly job: Job;
}

/** An error as plain data (crosses the thread boundary). */
export interface SerializedError {
  readonly message: string;
  readonly name?: string;
  readonly stack?: string;
}

/** What a worker sends: once `ready` (or an error with `id: null`), then one reply per job. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly result: JobResult }
  | { readonly type: 'error'; readonly id: number | null; readonly error: SerializedError };

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  readonly backend: string;
  /** Replicas (models) a worker keeps; the least recently used beyond this are disposed. */
  readonly maxReplicas: number;
  /** The calling thread's `setSimdKernelsEnabled` state when the trainer was made. */
  readonly simdKernels: boolean;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { message: e.message, name: e.name, stack: e.stack };
  return { message: String(e) };
}

/** The buffers of a message that can move instead of being copied. */
export function transfersOf(value: Job | JobResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: Float32Array | Int32Array) => out.push(a.buffer as ArrayBuffer);
  switch (value.kind) {
    case 'train':
      if ('weights' in value) {
        add(value.weights.data);
        add(value.images);
        add(value.labels);
      } else {
        add(value.grads.data);
        value.statistics.forEach((s) => (add(s.sum), add(s.sumSq)));
      }
      break;
    case 'predict':
      if ('weights' in value) {
        add(value.weights.data);
        add(value.images);
      } else add(value.logits);
      break;
    case 'statistics':
      if ('weights' in value) {
        add(value.weights.data);
        value.batches.forEach((b) => add(b.images));
      } else value.statistics.forEach((s) => (add(s.sum), add(s.sumSq)));
      break;
  }
  // A buffer may appear once only in a transfer list.
  return [...new Set(out)];
}
