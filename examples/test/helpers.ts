import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Flags of a tiny, fast training run (a 32-px `xception_relu2` on wasm, batches of 4, quiet, no
 * TensorBoard event files: they would go to `runs/` under the repository root).
 */
export const TINY_TRAIN: readonly string[] = Object.freeze([
  '--which_model_netD',
  'xception_relu2',
  '--loadSize',
  '32',
  '--fineSize',
  '32',
  '--batch_size',
  '4',
  '--backend',
  'wasm',
  '--quiet',
  '--tensorboard_dir',
  'none',
]);

/** Result of a program run. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an example program (`examples/<name>/src/main.ts`) as a child process from the repo
 * root, as `npm run <name>` would, and collects its output.
 */
export function runProgram(
  name: string,
  args: readonly string[],
  options: {
    cwd?: string;
    /** Sends `killSignal` (default SIGKILL) once, when this returns true for the stdout so far. */
    killWhen?: (stdout: string) => boolean;
    killSignal?: NodeJS.Signals;
    timeoutMs?: number;
    /** Environment variables set or replaced for the program (e.g. `PATH`). */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<RunResult> {
  const tsx = require.resolve('tsx');
  const child = spawn(
    process.execPath,
    [
      '--conditions=@patchfx/source',
      '--import',
      tsx,
      join(ROOT, 'examples', name, 'src/main.ts'),
      ...args,
    ],
    {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, INIT_CWD: options.cwd ?? ROOT, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let killed = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!killed && options.killWhen?.(stdout)) {
      killed = true;
      child.kill(options.killSignal ?? 'SIGKILL');
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

/** Writes a tiny real/fake tree of PNGs: fakes carry a checkerboard. */
export function writeToyDataset(
  root: string,
  options: { size?: number; perSplit?: number } = {},
): { real: string; fake: string } {
  const size = options.size ?? 32;
  const n = options.perSplit ?? 4;
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const cls of ['real', 'fake']) {
    for (const split of ['train', 'val', 'test']) {
      const dir = join(root, cls, split);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < n; i++) {
        const png = new PNG({ width: size, height: size });
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            const k = (y * size + x) * 4;
            const base = 80 + 60 * rand();
            const trace = cls === 'fake' ? ((x + y) % 2 ? 30 : -30) : 0;
            png.data[k] =
              png.data[k + 1] =
              png.data[k + 2] =
                Math.max(0, Math.min(255, Math.round(base + trace)));
            png.data[k + 3] = 255;
          }
        }
        writeFileSync(join(dir, `${cls}_${split}_${i}.png`), PNG.sync.write(png));
      }
    }
  }
  return { real: join(root, 'real'), fake: join(root, 'fake') };
}
