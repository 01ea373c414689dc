/**
 * Worker-thread entry of the data-parallel trainer: activates its own backend (with patchfx's
 * training kernels, as `useBackend` does on the main thread), then runs one job at a time on
 * its replicas and replies with plain arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../../backend/index.js';
import { setSimdKernelsEnabled } from '../../kernels/simd.js';
import type { JobRequest, WorkerInit, WorkerMessage } from './protocol.js';
import { serializeError, transfersOf } from './protocol.js';
import { createReplicaCache, runJob } from './replica.js';

const port = parentPort;
if (!port) throw new Error('the data-parallel worker must run in a worker thread');
const init = workerData as WorkerInit;
const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) =>
  port!.postMessage(message, transfer);

/** Starts the backend, then serves jobs (no top-level await: the file is also built as CJS). */
async function main(): Promise<void> {
  try {
    tf.env().set('PROD', true); // no "install tfjs-node" banner from every thread
    setSimdKernelsEnabled(init.simdKernels); // as on the calling thread
    await useBackend(init.backend as BackendName);
  } catch (e) {
    send({ type: 'error', id: null, error: serializeError(e) });
    return;
  }
  const cache = createReplicaCache(init.maxReplicas);
  let queue: Promise<void> = Promise.resolve();
  port!.on('message', (request: JobRequest) => {
    // One job at a time, in order of arrival.
    queue = queue.then(async () => {
      try {
        const result = await runJob(cache, request.job);
        send({ type: 'result', id: request.id, result }, transfersOf(result));
      } catch (e) {
        send({ type: 'error', id: request.id, error: serializeError(e) });
      }
    });
  });
  send({ type: 'ready' });
}

void main();
