/**
 * What a worker thread does with a job, on its replica of the model. Runs the same code as the
 * calling thread (`accumulateGradients`, `forwardForStatistics`, `inferenceForward`), so a replica's
 * share of a batch gives exactly what the calling thread would have computed for it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildPatchDiscriminator } from '../../build.js';
import {
  accumulateGradients,
  batchNormLayers,
  forwardForStatistics,
} from '../../train/accumulate.js';
import { trainableVariables } from '../../train/step.js';
import { BatchNormSync } from '../../layers/batch-norm-sync.js';
import { inferenceForward } from './forward.js';
import { packTensors, readStatistics, writeWeights } from './packed.js';
import type {
  Job,
  JobResult,
  ModelRef,
  PackedTensors,
  PredictJob,
  PredictResult,
  StatisticsJob,
  StatisticsResult,
  TrainJob,
  TrainResult,
} from './protocol.js';

/** A worker's copy of one model, with the weights it last received. */
interface Replica {
  readonly model: LayersModel;
  /** The packed weights last written into `model` (the transferred buffer, owned here). */
  weights?: Float32Array;
}

/** The replicas a worker holds, by model id; the least recently used beyond `limit` go. */
export interface ReplicaCache {
  get(ref: ModelRef): Replica;
  dispose(): void;
}

export function createReplicaCache(limit: number): ReplicaCache {
  const replicas = new Map<number, Replica>();
  return {
    get(ref) {
      let replica = replicas.get(ref.id);
      if (replica) {
        replicas.delete(ref.id); // re-insert: Map order is the recency order
      } else {
        replica = { model: buildPatchDiscriminator(ref.config) };
      }
      replicas.set(ref.id, replica);
      for (const [id, r] of replicas) {
        if (replicas.size <= limit) break;
        r.model.dispose();
        replicas.delete(id);
      }
      return replica;
    },
    dispose() {
      for (const r of replicas.values()) r.model.dispose();
      replicas.clear();
    },
  };
}

/** Whether two weight buffers hold the same bytes. */
function sameWeights(a: Float32Array | undefined, b: Float32Array): boolean {
  return (
    a !== undefined &&
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/**
 * Writes the job's weights into the replica unless they are the ones it already holds (jobs do
 * not change a replica's weights: gradients go back to the calling thread, and BatchNorm
 * statistics are gathered without being committed).
 */
function applyWeights(replica: Replica, weights: PackedTensors): void {
  if (sameWeights(replica.weights, weights.data)) return;
  writeWeights(replica.model, weights);
  replica.weights = weights.data;
}

async function runTrain(replica: Replica, job: TrainJob): Promise<TrainResult> {
  applyWeights(replica, job.weights);
  const { model } = replica;
  const rows = job.labels.length;
  const bns = batchNormLayers(model);
  const [x, y] = tf.tidy(() => [
    tf.tensor4d(job.images, [rows, ...job.imageShape]),
    tf.tensor1d(job.labels, 'int32'),
  ]);
  bns.forEach((b) => b.beginAccumulation());
  const sync = job.sync ? new BatchNormSync(job.sync.buffer, job.sync.rank) : null;
  bns.forEach((b) => b.synchronise(sync));
  let grads: Map<string, tf.Tensor> | undefined;
  try {
    sync?.join();
    let start = 0;
    const chunks =
      job.chunkSizes.length === 1
        ? [null]
        : job.chunkSizes.map((size) => {
            const idx = Array.from({ length: size }, (_, i) => start + i);
            start += size;
            return idx;
          });
    const sums = await accumulateGradients(
      model,
      trainableVariables(model),
      x as tf.Tensor4D,
      y as tf.Tensor1D,
      chunks,
      job.total,
    );
    grads = sums.grads;
    return {
      kind: 'train',
      grads: await packTensors([...grads]),
      loss: sums.loss,
      raw: sums.raw,
      voted: sums.voted,
      avg: sums.avg,
      statistics: await readStatistics(bns),
    };
  } catch (e) {
    sync?.abort(); // the other threads stop waiting for this one
    throw e;
  } finally {
    bns.forEach((b) => (b.synchronise(null), b.discardAccumulation()));
    tf.dispose([x, y, ...(grads?.values() ?? [])]);
  }
}

async function runPredict(replica: Replica, job: PredictJob): Promise<PredictResult> {
  applyWeights(replica, job.weights);
  const { model } = replica;
  const rows = job.images.length / (job.imageShape[0] * job.imageShape[1] * job.imageShape[2]);
  const out = tf.tidy(() =>
    inferenceForward(
      model,
      tf.tensor4d(job.images, [rows, ...job.imageShape]),
      job.batchSize,
      job.foldBatchNorm,
    ),
  );
  try {
    return { kind: 'predict', logits: Float32Array.from(await out.data()), shape: out.shape };
  } finally {
    out.dispose();
  }
}

async function runStatistics(replica: Replica, job: StatisticsJob): Promise<StatisticsResult> {
  applyWeights(replica, job.weights);
  const { model } = replica;
  const bns = batchNormLayers(model);
  const batches = job.batches.map((b) => tf.tensor4d(b.images, [...b.shape]));
  bns.forEach((b) => b.beginAccumulation());
  try {
    await forwardForStatistics(model, batches);
    return { kind: 'statistics', statistics: await readStatistics(bns) };
  } finally {
    bns.forEach((b) => b.discardAccumulation());
    tf.dispose(batches);
  }
}

/** Runs one job on its replica (from `cache`). Leaves no tensors behind. */
export function runJob(cache: ReplicaCache, job: Job): Promise<JobResult> {
  const replica = cache.get(job.model);
  switch (job.kind) {
    case 'train':
      return runTrain(replica, job);
    case 'predict':
      return runPredict(replica, job);
    case 'statistics':
      return runStatistics(replica, job);
    default:
      throw new Error(`unknown job kind '${(job as { kind: unknown }).kind}'`);
  }
}
