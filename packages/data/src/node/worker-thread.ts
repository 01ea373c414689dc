/**
 * Starting a package's worker thread both from its built `dist/` (plain JavaScript) and from
 * its TypeScript sources (tests, `tsx`), where the worker first registers tsx's loader. Used by
 * the batch loader here and by `@patchfx/models`' data-parallel trainer.
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

/**
 * The worker module beside the calling module: `<name>.ts` when the caller runs from its
 * sources, else the built `<built>` (its own tsup entry, at the root of `dist/`).
 *
 * @param callerUrl - The caller's `import.meta.url`.
 * @param name - The worker's source file name without extension, beside the caller.
 * @param built - The built worker's file name, beside the caller's built chunk.
 * @returns Where to start the worker from.
 */
export function workerScriptBeside(callerUrl: string, name: string, built: string): WorkerScript {
  const typescript = callerUrl.endsWith('.ts');
  return { url: new URL(typescript ? `./${name}.ts` : `./${built}`, callerUrl), typescript };
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
      'running @patchfx packages from their TypeScript sources needs tsx to start worker threads (npm install -D tsx)',
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

/**
 * Starts `script` in a new worker thread (registering tsx first when it is TypeScript).
 *
 * @param script - See {@link workerScriptBeside}.
 * @param options - Node's `WorkerOptions` (`workerData`, …).
 * @returns The worker.
 * @throws When the script is TypeScript and tsx cannot be resolved.
 */
export function startWorker(script: WorkerScript, options: WorkerOptions = {}): Worker {
  if (!script.typescript) return new Worker(script.url, options);
  const code =
    `import(${JSON.stringify(tsxEsmApi())})` +
    `.then((m) => m.register())` +
    `.then(() => import(${JSON.stringify(script.url.href)}))`;
  return new Worker(code, { ...options, eval: true });
}
