/**
 * Where the data-parallel worker thread starts from: `worker.ts` in the sources (tests,
 * `tsx`), its own tsup entry `data-parallel-worker.js` in `dist/`. Started with `startWorker`
 * of `@patchfx/data/node`, as the batch loader's workers are.
 */
import { workerScriptBeside, type WorkerScript } from '@patchfx/data/node';

export { startWorker, type WorkerScript } from '@patchfx/data/node';

/** The data-parallel worker next to this module. */
export function dataParallelWorkerScript(): WorkerScript {
  return workerScriptBeside(import.meta.url, 'worker', 'data-parallel-worker.js');
}
