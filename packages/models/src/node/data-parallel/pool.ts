/**
 * The worker threads of a data-parallel trainer: start them, send jobs, turn every way a worker
 * can fail (an error in a job, an uncaught exception, an exit) into a rejection that names the
 * worker and the cause, and terminate them.
 */
import type { Worker } from 'node:worker_threads';
import type { Job, JobRequest, JobResult, SerializedError, WorkerMessage } from './protocol.js';
import { transfersOf } from './protocol.js';
import { startWorker, type WorkerScript } from './worker-script.js';

/** Options of {@link startReplicaPool}. */
export interface ReplicaPoolOptions {
  /** Worker threads to start (≥ 1). */
  readonly size: number;
  /** The script each worker runs, and what it gets as `workerData`. */
  readonly script: WorkerScript;
  readonly workerData: unknown;
}

/** Running worker threads (numbered 1…size in messages; 0 is the calling thread). */
export interface ReplicaPool {
  readonly size: number;
  /**
   * Sends a job to worker `index` (0-based). Its typed arrays are transferred (unusable here
   * afterwards).
   */
  run(index: number, job: Job): Promise<JobResult>;
  /** Terminates every worker; pending jobs are rejected. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  resolve(result: JobResult): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  readonly label: string;
  readonly pending: Map<number, Pending>;
  /** Why this worker no longer runs, once it does not. */
  dead: Error | null;
}

function fromSerialized(e: SerializedError): Error {
  const err = new Error(e.message);
  if (e.name) err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/**
 * Starts `size` workers and waits until each has its backend ready.
 *
 * @throws `data-parallel worker <k> failed to start: <cause>` (every worker is terminated).
 */
export async function startReplicaPool(options: ReplicaPoolOptions): Promise<ReplicaPool> {
  const { size, script, workerData } = options;
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];

  const fail = (slot: Slot, error: Error) => {
    if (!slot.dead) slot.dead = error;
    for (const p of slot.pending.values()) p.reject(error);
    slot.pending.clear();
    if (!closed) slot.worker.unref(); // closing: terminate() holds the process until it stops
  };

  const ready = Array.from({ length: size }, (_, i) => {
    const label = `data-parallel worker ${i + 1}`;
    const worker = startWorker(script, { workerData });
    const slot: Slot = { worker, label, pending: new Map(), dead: null };
    slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const failed = (why: string, cause?: unknown) => {
        const error = new Error(
          started ? `${label} ${why}` : `${label} failed to start: ${why}`,
          cause === undefined ? undefined : { cause },
        );
        fail(slot, error);
        if (!started) reject(error);
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          started = true;
          worker.unref(); // idle workers never keep the process alive
          resolve();
          return;
        }
        if (message.type === 'error' && message.id === null) {
          const cause = fromSerialized(message.error);
          failed(cause.message, cause);
          return;
        }
        const id = message.id as number;
        const pending = slot.pending.get(id);
        if (!pending) return;
        slot.pending.delete(id);
        if (slot.pending.size === 0) worker.unref();
        if (message.type === 'result') pending.resolve(message.result);
        else {
          const cause = fromSerialized(message.error);
          pending.reject(new Error(`${label} failed: ${cause.message}`, { cause }));
        }
      });
      worker.on('error', (e) => failed(`crashed: ${e.message}`, e));
      worker.on('exit', (code) => {
        if (closed) fail(slot, new Error(`${label} was terminated (the trainer was disposed)`));
        else failed(`exited unexpectedly with code ${code}`);
      });
    });
  });

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const slot of slots)
      fail(slot, new Error(`${slot.label} was terminated (the trainer was disposed)`));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  };

  try {
    await Promise.all(ready);
  } catch (e) {
    await close();
    throw e;
  }

  return {
    size,
    run(index, job) {
      const slot = slots[index];
      if (!slot) return Promise.reject(new Error(`no data-parallel worker ${index + 1}`));
      if (slot.dead) {
        return Promise.reject(
          new Error(
            `${slot.label} is not running (${slot.dead.message}); dispose the trainer and create a new one`,
            { cause: slot.dead },
          ),
        );
      }
      const id = nextId++;
      return new Promise<JobResult>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.ref();
        try {
          const request: JobRequest = { id, job };
          slot.worker.postMessage(request, transfersOf(job));
        } catch (e) {
          slot.pending.delete(id);
          if (slot.pending.size === 0) slot.worker.unref();
          reject(new Error(`${slot.label}: cannot send the job: ${(e as Error).message}`));
        }
      });
    },
    close,
  };
}
