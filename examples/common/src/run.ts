import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@patchfx/models/backend';
import { HelpRequested } from './options.js';

/**
 * Runs a program's main function: prints errors as one clear line (the stack only with
 * `PATCHFX_DEBUG=1`) and exits non-zero on failure; prints `--help` ({@link HelpRequested}) and
 * exits 0.
 */
export function runMain(main: () => Promise<number | void>): void {
  // `npm run x -w pkg` runs in the package folder: resolve the user's paths where they typed them.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  let settled = false;
  // Never end with exit 0 while main has not finished: that happens when nothing is left that
  // could finish it (a promise no live thread will settle) or when something calls
  // process.exit(0) behind its back. Say so and exit 1 instead of ending silently.
  process.on('exit', (code) => {
    if (settled || code !== 0) return;
    process.stderr.write(
      'error: the program stopped before it finished, with nothing left running to finish it ' +
        '(an internal error; rerun with PATCHFX_DEBUG=1 and report it)\n',
    );
    process.exitCode = 1;
  });
  main().then(
    (code) => {
      settled = true;
      process.exitCode = typeof code === 'number' ? code : 0;
    },
    (e: unknown) => {
      settled = true;
      if (e instanceof HelpRequested) {
        // `--help | head` closes the pipe early: that ends the help, not with a stack trace.
        process.stdout.on('error', () => {});
        process.stdout.write(`${e.text}\n`);
        process.exitCode = 0;
        return;
      }
      const err = e as Error;
      process.stderr.write(`error: ${err?.message ?? String(e)}\n`);
      if (process.env.PATCHFX_DEBUG) process.stderr.write(`${err?.stack}\n`);
      process.exitCode = 1;
    },
  );
}

/** The `--backend` option shared by every program. */
export const BACKEND_OPTION = Object.freeze({
  type: 'string' as const,
  default: 'wasm',
  choices: ['cpu', 'wasm', 'tensorflow'],
  help: 'tfjs backend: wasm (fast on CPU), cpu (pure JS, slow), tensorflow (tfjs-node / tfjs-node-gpu when installed)',
});

/** Activates the backend and silences tfjs's "install tfjs-node" banner for cpu. */
export async function setupBackend(name: string): Promise<void> {
  tf.env().set('PROD', true); // programs: no "install tfjs-node" banner, no deprecation noise
  await useBackend(name as BackendName);
}
