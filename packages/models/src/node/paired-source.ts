/**
 * The training data source of the train program: `@patchfx/data`'s worker-thread batch loader
 * (`createBatchLoader`) adapted to the training loop's `BatchSource`, as tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBatchLoader, type BatchLoader } from '@patchfx/data/node';
import { ImageDecodeError, type TransformConfig } from '@patchfx/data';
import type { Batch, BatchSource } from '../train/fit.js';

/** Options of {@link pairedSource}. */
export interface PairedSourceOptions {
  /** Training files of each class (`discoverPairedSplit` of `@patchfx/data/node`). */
  readonly train: { readonly real: readonly string[]; readonly fake: readonly string[] };
  /** Validation files of each class. */
  readonly val: { readonly real: readonly string[]; readonly fake: readonly string[] };
  /** The training transform (`resolveTransformConfig` of `@patchfx/data` fills the rest). */
  readonly transform: Partial<TransformConfig>;
  /** Images per batch, half real and half fake. */
  readonly batchSize: number;
  /** Seed of the per-epoch shuffle and the augmentations. */
  readonly seed: number;
  /** The reference's `--no_serial_batches` (see `createBatchLoader`). */
  readonly noSerialBatches: boolean;
  /** Output channel of the fake class (real = 1 − it). */
  readonly fakeClassId: 0 | 1;
  /** Worker threads decoding the training images (validation uses at most one). */
  readonly workers: number;
  /** Skip unreadable images (each with a warning) instead of stopping. */
  readonly skipBadFiles: boolean;
  /** Called with each warning. */
  readonly onWarning: (message: string) => void;
}

/** A {@link BatchSource} over files, which owns worker threads: `close()` it. */
export interface PairedSource extends BatchSource {
  /** Training batches in one epoch. */
  readonly batchesPerEpoch: number;
  /** Files skipped so far as unreadable. */
  readonly skippedFiles: readonly string[];
  /** Ends the worker threads. */
  close(): Promise<void>;
}

function toBatch(b: {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  size: number;
}): Batch {
  return {
    images: tf.tensor4d(b.images, [b.count, b.size, b.size, 3]),
    labels: tf.tensor1d(b.labels, 'int32'),
  };
}

/** A bad image stops the run with the file and the two ways on (fix it, or skip such files). */
async function* withFileHint<T>(batches: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* batches;
  } catch (e) {
    if (!(e instanceof ImageDecodeError)) throw e;
    throw new Error(
      `${e.message}. Fix or remove the file, or add --skip_bad_files to skip unreadable images (each with a warning)`,
      { cause: e },
    );
  }
}

/**
 * Train batches shuffled per epoch (seeded), val batches in order; both paired real/fake. A bad
 * file ends an epoch with an error that names it and `--skip_bad_files` (unless skipping).
 */
export function pairedSource(o: PairedSourceOptions): PairedSource {
  const common = {
    transform: o.transform,
    batchSize: o.batchSize,
    seed: o.seed,
    noSerialBatches: o.noSerialBatches,
    fakeClassId: o.fakeClassId,
    workers: o.workers,
    onError: o.skipBadFiles ? ('skip' as const) : ('throw' as const),
    onWarning: o.onWarning,
  };
  const train: BatchLoader = createBatchLoader({ ...common, ...o.train, mode: 'train' });
  const val: BatchLoader = createBatchLoader({
    ...common,
    ...o.val,
    mode: 'val',
    workers: Math.min(1, o.workers),
  });
  return {
    batchesPerEpoch: train.batchesPerEpoch,
    get skippedFiles() {
      return [...train.skippedFiles, ...val.skippedFiles];
    },
    async *trainEpoch(epoch, start) {
      // Resuming mid-epoch: the same batches from `start` on, the earlier ones not decoded.
      for await (const b of withFileHint(train.epoch(epoch, start))) yield toBatch(b);
    },
    async *val() {
      for await (const b of withFileHint(val.epoch(0))) yield toBatch(b);
    },
    async close() {
      await Promise.all([train.close(), val.close()]);
    },
  };
}
