import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';

/** Backends a worker thread can run: the single-threaded ones (tfjs-node uses every core already). */
export const REPLICA_BACKENDS = Object.freeze(['cpu', 'wasm'] as const);

/** A backend of the data-parallel worker threads. */
export type ReplicaBackend = (typeof REPLICA_BACKENDS)[number];

/** Construction config of `createDataParallel`. */
export interface DataParallelConfig {
  /**
   * Threads that compute, the calling thread included: `2` starts one worker thread. `'auto'`
   * is {@link defaultWorkerCount} of the backend.
   * @defaultValue 'auto'
   */
  readonly workers: number | 'auto';
  /**
   * Backend of the worker threads (each has its own tfjs-core and backend instance, with
   * patchfx's training kernels). `'auto'`: the calling thread's backend.
   * @defaultValue 'auto'
   */
  readonly backend: ReplicaBackend | 'auto';
  /**
   * Models each worker keeps a replica of; beyond that the least recently used is disposed
   * (and rebuilt if it comes back).
   * @defaultValue 4
   */
  readonly maxReplicas: number;
  /**
   * How BatchNorm normalises a batch divided among threads in a training step. `'sync'`: with
   * the statistics of the whole batch — the threads exchange every layer's sums during the
   * step (synchronised BatchNorm), so two threads take the step one thread would on the whole
   * batch. `'local'`: each thread's micro-batch with its own statistics, as PyTorch's
   * `DataParallel` does per device (no exchanges). With micro-batches, the k-th micro-batches
   * of all threads are normalised together.
   * @defaultValue 'sync'
   */
  readonly batchNorm: BatchNormMode;
}

/** How BatchNorm normalises a batch divided among threads ({@link DataParallelConfig.batchNorm}). */
export type BatchNormMode = 'sync' | 'local';

/** {@link DataParallelConfig} with everything resolved. */
export interface ResolvedDataParallelConfig {
  readonly workers: number;
  /** The worker threads' backend (with `workers: 1`, the calling thread's, whatever it is). */
  readonly backend: string;
  readonly maxReplicas: number;
  readonly batchNorm: BatchNormMode;
}

/** Defaults of {@link DataParallelConfig}. */
export const DEFAULT_DATA_PARALLEL_CONFIG: Readonly<DataParallelConfig> = Object.freeze({
  workers: 'auto',
  backend: 'auto',
  maxReplicas: 4,
  batchNorm: 'sync',
});

/**
 * The default number of computing threads: 2 on `wasm` when the machine has at least two
 * cores (tfjs-backend-wasm cannot start its own threads in Node, so a second replica is how a
 * second core helps), else 1. Not more by default: the data loader's decoding threads need
 * CPU too, and every replica holds its own copy of the model and activations.
 */
export function defaultWorkerCount(backend: string): number {
  return backend === 'wasm' && availableParallelism() >= 2 ? 2 : 1;
}

/**
 * A complete copy of `config` with `'auto'` resolved (against the calling thread's backend).
 *
 * @throws When a field is invalid; the message lists the allowed values.
 */
export function resolveDataParallelConfig(
  config: Partial<DataParallelConfig> = {},
): ResolvedDataParallelConfig {
  const c = { ...DEFAULT_DATA_PARALLEL_CONFIG, ...config };
  const active = tf.getBackend();
  const backend = c.backend === 'auto' ? active : c.backend;
  const workers = c.workers === 'auto' ? defaultWorkerCount(backend) : c.workers;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new Error(`workers must be 'auto' or an integer ≥ 1, got ${String(c.workers)}`);
  }
  if (!(REPLICA_BACKENDS as readonly string[]).includes(backend)) {
    if (workers > 1) {
      throw new Error(
        `backend must be one of ${REPLICA_BACKENDS.map((b) => `'${b}'`).join(' | ')} for workers > 1, got '${backend}'` +
          (backend === 'tensorflow' ? ' (tfjs-node already uses every core: use workers: 1)' : ''),
      );
    }
  }
  if (!Number.isInteger(c.maxReplicas) || c.maxReplicas < 1) {
    throw new Error(`maxReplicas must be an integer ≥ 1, got ${c.maxReplicas}`);
  }
  if (c.batchNorm !== 'sync' && c.batchNorm !== 'local') {
    throw new Error(`batchNorm must be 'sync' or 'local', got '${String(c.batchNorm)}'`);
  }
  return { workers, backend, maxReplicas: c.maxReplicas, batchNorm: c.batchNorm };
}
