/** Worker-thread entry of the batch loader: runs {@link runBatchJob} for each message. */
import { parentPort } from 'node:worker_threads';
import { runBatchJob, toJobError, type BatchJob } from './batch-job.js';

const port = parentPort;
if (!port) throw new Error('loader-worker must run in a worker thread');
port.on('message', (job: BatchJob) => {
  runBatchJob(job).then(
    (result) => port.postMessage({ id: job.id, result }, [result.images.buffer as ArrayBuffer]),
    (e: unknown) => port.postMessage({ id: job.id, error: toJobError(e) }),
  );
});
