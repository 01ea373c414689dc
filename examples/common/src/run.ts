import os from 'node:os';
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
  // Never end with exit 0 while main has not finished. That happens when nothing keeps the
  // process alive for what main awaits — e.g. a worker thread unref'd while main waits for it
  // to stop (the batch loader once did this on close, so a bad image could end training
  // silently) — or when something calls process.exit(0) behind main's back. Say so and exit 1.
  process.on('exit', (code) => {
    if (settled || code !== 0) return;
    process.stderr.write(
      'error: the program stopped before it finished, with nothing left running to finish it ' +
        '(an internal error; rerun with PATCHFX_DEBUG=1 and report it)\n',
    );
    if (process.env.PATCHFX_DEBUG)
      process.stderr.write(`still active: ${process.getActiveResourcesInfo().join(', ')}\n`);
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

/** The first SIGINT/SIGTERM, as a program sees it (see {@link onInterrupt}). */
export interface Interrupt {
  /** Aborted at the first signal: hand it to the work that should stop early. */
  readonly signal: AbortSignal;
  /** The signal received, or null. */
  readonly received: NodeJS.Signals | null;
  /** 128 + the signal's number, the shells' convention: SIGINT 130, SIGTERM 143. */
  readonly exitCode: number;
  /** Removes the handlers (signals act as before). */
  dispose(): void;
}

/**
 * Turns the first SIGINT (Ctrl-C) or SIGTERM into an abort the program can finish cleanly
 * from, instead of ending the process at once: it prints `first(signal)` to stderr and aborts
 * {@link Interrupt.signal}. A second signal ends the process at once with the same exit code
 * (`process.exit`, so `'exit'` listeners — lock files — still run). Copies of the first that
 * arrive within a second (Ctrl-C reaches npm, tsx and node, and npm and tsx relay it) do not
 * count as a second.
 *
 * @param first - The line printed at the first signal, e.g. what the program will do now.
 */
export function onInterrupt(first: (signal: NodeJS.Signals) => string): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  let at = 0;
  const code = (s: NodeJS.Signals) => 128 + os.constants.signals[s];
  const handler = (s: NodeJS.Signals) => {
    if (received) {
      if (performance.now() - at < 1000) return;
      process.stderr.write(`${s} again: quitting now, without saving\n`);
      process.exit(code(s));
    }
    received = s;
    at = performance.now();
    process.stderr.write(`\n${first(s)}\n`);
    controller.abort(new Error(`interrupted by ${s}`));
  };
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const s of signals) process.on(s, handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get exitCode() {
      return received ? code(received) : 0;
    },
    dispose() {
      for (const s of signals) process.off(s, handler);
    },
  };
}
