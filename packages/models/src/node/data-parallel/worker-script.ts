/**
 * Starting the worker thread from the built package (`dist/data-parallel-worker.js`, its own
 * tsup entry) and from the TypeScript sources (tests, `tsx`), where the worker registers tsx's
 * loader before importing `worker.ts`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Where a worker's code is: a module URL, and whether it is TypeScript (needs tsx). */
export interface WorkerScript {
  readonly url: URL;
  readonly typescript: boolean;
}

/** The data-parallel worker next to this module: `worker.ts` in the sources, the tsup entry in `dist/`. */
export function dataParallelWorkerScript(): WorkerScript {
  const typescript = import.meta.url.endsWith('.ts');
  return {
    url: new URL(typescript ? './worker.ts' : './data-parallel-worker.js', import.meta.url),
    typescript,
  };
}

let tsxApi: string | undefined;

/** The file URL of tsx's ESM API, resolved from this package (programs run from anywhere). */
function tsxEsmApi(): string {
  if (tsxApi) return tsxApi;
  let pkgPath: string;
  try {
    pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  } catch (e) {
    throw new Error(
      'running @patchfx/models from its TypeScript sources needs tsx to start worker threads (npm install -D tsx)',
      { cause: e },
    );
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: string | { default: string } }>;
  };
  const entry = pkg.exports['./esm/api'].import;
  tsxApi = pathToFileURL(
    join(dirname(pkgPath), typeof entry === 'string' ? entry : entry.default),
  ).href;
  return tsxApi;
}

/** Starts `script` in a new worker thread. */
export function startWorker(script: WorkerScript, options: WorkerOptions = {}): Worker {
  if (!script.typescript) return new Worker(script.url, options);
  const code =
    `import(${JSON.stringify(tsxEsmApi())})` +
    `.then((m) => m.register())` +
    `.then(() => import(${JSON.stringify(script.url.href)}))`;
  return new Worker(code, { ...options, eval: true });
}
