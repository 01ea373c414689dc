/**
 * Every program (each `examples/<name>/src/main.ts`) answers `--help` with exit 0 and one line
 * per option, and stops on an unknown option with exit 1 and a message naming it. Spawned as
 * `npm run <name>` would start them, a few at a time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { TEST_OPTIONS, TRAIN_OPTIONS } from '@patchfx/example-common';
import { ROOT, runProgram, type RunResult } from './helpers.js';

const require = createRequire(import.meta.url);

const PROGRAMS = readdirSync(join(ROOT, 'examples'))
  .filter((d) => existsSync(join(ROOT, 'examples', d, 'src/main.ts')))
  .sort();

/** Options each program must list besides --help, --backend and --smoke (one of its own at least). */
const OWN_OPTIONS: Record<string, readonly string[]> = {
  align: ['size', 'min_face_score', 'model_dir'],
  audit: ['real_im_path', 'fake_im_path', 'partition', 'max_files', 'json'],
  bench: [
    'models',
    'reps',
    'workers',
    'weights',
    'onnx',
    'torch',
    'torch_layouts',
    'infer_only',
    'stat',
  ],
  browser: ['port', 'no-serve', 'model'],
  convert: ['which_model_netD', 'out', 'overwrite'],
  demo: ['out', 'count', 'max_steps'],
  evaluate: Object.keys(TEST_OPTIONS),
  'export-onnx': ['train_config', 'which_epoch', 'out', 'overwrite'],
  faceforensics: [
    'raw',
    'manipulation',
    'compression',
    'splits',
    'outdir',
    'partitions',
    'outsize',
    'max_frames_eval',
    'seed',
    'save_mesh',
    'min_face_score',
    'model_dir',
    'quiet',
  ],
  'export-tfrecord': [
    'dataset',
    'tfrecord',
    'outdir',
    'outsize',
    'format',
    'resize_method',
    'image_list',
    'partition_list',
    'skip_bad_records',
  ],
  fidelity: ['seeds', 'test_pairs', 'synthetic', 'only', 'python', 'patchfx_args'],
  'model-info': ['which_model_netD', 'size', 'json'],
  patches: Object.keys(TEST_OPTIONS),
  preprocess: ['size', 'resample', 'format', 'align'],
  robustness: [...Object.keys(TEST_OPTIONS), 'jpeg', 'blur', 'resize'],
  segment: ['segmenter', 'seed', 'model_dir'],
  tables: ['mode', 'partition', 'which_epoch'],
  'test-runs': ['groups', 'dataroot', 'force_redo'],
  train: [...Object.keys(TRAIN_OPTIONS), 'workers'],
};

/** Runs `f` over `items` with at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, f: (x: T) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

/** The option names of a help text: `  --name …` lines, one per option. */
function listedOptions(text: string): string[] {
  return [...text.matchAll(/^ {2}--([\w-]+)\b.*\S\s\S/gm)].map((m) => m[1]);
}

/** Runs a program with its stdout closed from the start, as `--help | head` ends up. */
function runWithClosedStdout(name: string, args: readonly string[]): Promise<RunResult> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@patchfx/source',
      '--import',
      require.resolve('tsx'),
      join(ROOT, 'examples', name, 'src/main.ts'),
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, INIT_CWD: ROOT }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout: '', stderr }));
  });
}

describe('--help and unknown options in every program', () => {
  test('the list of programs is the one the test knows', () => {
    expect(PROGRAMS).toEqual(Object.keys(OWN_OPTIONS).sort());
  });

  test('--help (and -h) exits 0 and lists every option on one line each; an unknown option exits 1', async () => {
    const runs = PROGRAMS.flatMap((p) => [
      { p, args: ['--help'] },
      { p, args: ['--no_such_option', '3'] },
    ]);
    runs.push({ p: 'tables', args: ['-h'] }, { p: 'evaluate', args: ['-h'] });
    const results = await pool(runs, 4, async ({ p, args }) => ({
      p,
      args,
      r: await runProgram(p, args, { timeoutMs: 120_000 }),
    }));
    const failures: string[] = [];
    const check = (ok: boolean, p: string, args: string[], r: RunResult, what: string) => {
      if (!ok)
        failures.push(
          `${p} ${args.join(' ')}: ${what} (exit ${r.code}; stdout ${JSON.stringify(r.stdout.slice(0, 300))}; stderr ${JSON.stringify(r.stderr.slice(0, 300))})`,
        );
    };
    for (const { p, args, r } of results) {
      if (args[0] === '--no_such_option') {
        check(r.code === 1, p, args, r, 'an unknown option must exit 1');
        check(
          /unknown option 'no_such_option'/.test(r.stderr),
          p,
          args,
          r,
          'the message must name the option',
        );
        continue;
      }
      check(r.code === 0, p, args, r, 'help must exit 0');
      check(r.stderr === '', p, args, r, 'help writes nothing to stderr');
      check(/^usage: npm run \S+ --/.test(r.stdout), p, args, r, 'help starts with a usage line');
      const listed = listedOptions(r.stdout);
      const missing = ['help', 'backend', 'smoke', ...OWN_OPTIONS[p]].filter(
        (o) => !listed.includes(o),
      );
      check(missing.length === 0, p, args, r, `help does not list ${missing.join(', ')}`);
      check(new Set(listed).size === listed.length, p, args, r, 'each option once');
    }
    expect(failures).toEqual([]);
  }, 600_000);

  test('--help into a closed pipe (npm run train -- --help | head) exits 0 without a stack trace', async () => {
    const r = await runWithClosedStdout('train', ['--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);
});
