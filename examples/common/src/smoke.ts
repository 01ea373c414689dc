/**
 * `--smoke` (STYLE.md §I): every program can run itself in seconds on a tiny self-contained
 * workspace in a fresh temporary folder — a synthetic dataset and, where the program needs one,
 * a 2-step training run written as the train program writes it — and ends with the line
 * `smoke ok: <program>`. The workspace is removed at the end, whatever happened.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { discoverPairedSplit } from '@patchfx/data/node';
import { synthesizeDataset } from '@patchfx/segment/node';
import { buildPatchDiscriminator, checkpointPreprocessing } from '@patchfx/models';
import { trainPatchDiscriminator } from '@patchfx/models/train';
import { checkpointSink, pairedSource } from '@patchfx/models/node';
import { jsonlWriter, say } from './log.js';
import { expandName, toYaml, wantsHelp, type OptionSpec, type Options } from './options.js';
import { TRAIN_OPTIONS, resolveModelOptions } from './reference-options.js';
import { BACKEND_OPTION, setupBackend } from './run.js';

/** The `--smoke` option every program takes. */
export const SMOKE_OPTION: OptionSpec = Object.freeze({
  type: 'boolean',
  default: false,
  help: "tiny self-contained run in a temporary folder (seconds); ends with 'smoke ok: <program>'",
});

/** Sizes of the smoke workspace: small enough for a few seconds on the cpu backend. */
export const SMOKE_SIZES = Object.freeze({
  /** Synthetic images per class (7 train, 2 val, 3 test). */
  imagesPerClass: 12,
  /** Image side in pixels (the synthetic benchmark's minimum). */
  imageSize: 32,
  /** Model of the smoke run: the smallest truncated Xception (one training step ≈ 0.2 s on cpu). */
  whichModelNetD: 'xception_relu1',
  batchSize: 4,
  steps: 2,
  /** Name of the smoke run under `checkpoints/`. */
  runName: 'smoke',
  /** `--dataset_name` of the smoke test set. */
  datasetName: 'smoke',
});

/** What a program's smoke run needs prepared: an empty folder, the synthetic data, or both and a trained run. */
export type SmokeNeeds = 'folder' | 'data' | 'run';

/** The trained run of a smoke workspace (`checkpoints/smoke/`). */
export interface SmokeRun {
  readonly name: string;
  /** `checkpoints/smoke/`, with `latest/`, `bestval/`, `opt.yml`, `log.jsonl`, `done.txt`. */
  readonly dir: string;
  /** Its `opt.yml`. */
  readonly config: string;
}

/** A smoke workspace: a fresh temporary folder and what was prepared in it. */
export interface SmokeWorkspace {
  readonly root: string;
  /** Backend of this run (`--backend` of the command line, else the program's default). */
  readonly backend: string;
  /** The synthetic set (`data/`, with `real/` and `fake/`, each with train/val/test). */
  readonly data: string;
  readonly real: string;
  readonly fake: string;
  readonly checkpointsDir: string;
  readonly resultsDir: string;
  /** The trained run (needs `'run'`), else null. */
  readonly run: SmokeRun | null;
}

/** How a program runs under `--smoke`. */
export interface SmokePlan {
  /** What to prepare in the workspace. */
  readonly needs: SmokeNeeds;
  /** Backend when the command line gives none. @defaultValue `BACKEND_OPTION.default` */
  readonly defaultBackend?: string;
  /**
   * The arguments the smoke run fills in (and any extra preparation). They go before the
   * user's own arguments, so an option given on the command line wins.
   */
  readonly args: (ws: SmokeWorkspace) => readonly string[] | Promise<readonly string[]>;
}

/** The value of `--backend` in an argument list, or null. */
export function backendArgument(argv: readonly string[]): string | null {
  let found: string | null = null;
  argv.forEach((a, i) => {
    if (a === '--backend' && i + 1 < argv.length) found = argv[i + 1];
    else if (a.startsWith('--backend=')) found = a.slice('--backend='.length);
  });
  return found;
}

/** The train-style arguments of a smoke run: the synthetic data, the smoke model, size and batch (train, fidelity). */
export function smokeTrainArgs(ws: SmokeWorkspace): string[] {
  return [
    '--real_im_path',
    ws.real,
    '--fake_im_path',
    ws.fake,
    '--which_model_netD',
    SMOKE_SIZES.whichModelNetD,
    '--loadSize',
    String(SMOKE_SIZES.imageSize),
    '--fineSize',
    String(SMOKE_SIZES.imageSize),
    '--batch_size',
    String(SMOKE_SIZES.batchSize),
  ];
}

/** The evaluate-style arguments for the smoke run's test split (evaluate, patches, robustness). */
export function smokeTestArgs(ws: SmokeWorkspace): string[] {
  if (!ws.run) throw new Error('smokeTestArgs needs a workspace with a trained run');
  return [
    '--train_config',
    ws.run.config,
    '--partition',
    'test',
    '--dataset_name',
    SMOKE_SIZES.datasetName,
    '--real_im_path',
    join(ws.real, 'test'),
    '--fake_im_path',
    join(ws.fake, 'test'),
    '--checkpoints_dir',
    ws.checkpointsDir,
    '--results_dir',
    ws.resultsDir,
    '--backend',
    ws.backend,
  ];
}

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

/**
 * Runs another example program (`examples/<program>/src/main.ts`) in a child process, as
 * `npm run <program>` would, with its output on this process's.
 * @throws When it exits non-zero.
 */
export function runExample(program: string, args: readonly string[]): void {
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=@patchfx/source',
      '--import',
      require.resolve('tsx'),
      join(EXAMPLES, program, 'src', 'main.ts'),
      ...args,
    ],
    { stdio: 'inherit', env: { ...process.env, INIT_CWD: process.cwd() } },
  );
  if (r.status !== 0)
    throw new Error(`${program} failed (exit ${r.status ?? r.signal}); see its output above`);
}

function defaults(specs: typeof TRAIN_OPTIONS): Options {
  return Object.fromEntries(
    Object.entries(specs).map(([k, s]) => [
      k,
      (Array.isArray(s.default) ? [...s.default] : s.default) as Options[string],
    ]),
  );
}

/**
 * Trains the smoke run in-process (the train program's loop, files and options at smoke
 * sizes): `checkpoints/smoke/{opt.yml, log.jsonl, latest/, bestval/, <epoch>/, bestval_ep.txt,
 * done.txt}`.
 */
async function trainSmokeRun(
  data: string,
  checkpointsDir: string,
  backend: string,
): Promise<SmokeRun> {
  await setupBackend(backend);
  const s = SMOKE_SIZES;
  const resolved = resolveModelOptions({
    ...defaults(TRAIN_OPTIONS),
    which_model_netD: s.whichModelNetD,
    loadSize: s.imageSize,
    fineSize: s.imageSize,
    batch_size: s.batchSize,
    max_steps: s.steps,
    precise_bn: 1,
    nThreads: 0,
    quiet: true,
    real_im_path: join(data, 'real'),
    fake_im_path: join(data, 'fake'),
    checkpoints_dir: checkpointsDir,
    name: s.runName,
    backend,
  });
  const opt = expandName(resolved.values);
  const dir = join(checkpointsDir, String(opt.name));
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'opt.yml');
  writeFileSync(config, toYaml(opt));
  const [train, val] = await Promise.all(
    (['train', 'val'] as const).map((p) =>
      discoverPairedSplit(String(opt.real_im_path), String(opt.fake_im_path), p),
    ),
  );
  // The train program's data source, on this thread (no loader workers at smoke sizes).
  const source = pairedSource({
    train,
    val,
    transform: { loadSize: s.imageSize, fineSize: s.imageSize, patchModel: true },
    batchSize: s.batchSize,
    seed: 0,
    noSerialBatches: false,
    fakeClassId: 0,
    workers: 0,
    skipBadFiles: false,
    onWarning: (m) => say(`warning: ${m}`),
  });
  const model = buildPatchDiscriminator(resolved.model);
  const log = jsonlWriter(join(dir, 'log.jsonl'));
  try {
    log({ event: 'start', name: opt.name, which_model_netD: s.whichModelNetD, backend });
    const result = await trainPatchDiscriminator(
      {
        model,
        data: source,
        checkpoints: checkpointSink(dir, {
          preprocessing: checkpointPreprocessing({ loadSize: s.imageSize }),
        }),
        config: { maxSteps: s.steps, preciseBnBatches: 1 },
      },
      {
        onStep: (l) =>
          log({ event: 'step', step: l.step, epoch: l.epoch, loss_D: l.loss, acc_D_raw: l.raw }),
        onEpochEnd: (l) =>
          log({
            event: 'epoch',
            epoch: l.epoch,
            step: l.step,
            loss_D_val: l.val.loss,
            acc_D_raw_val: l.val.raw,
            acc_D_voted_val: l.val.voted,
            acc_D_avg_val: l.val.avg,
          }),
      },
    );
    // bestval is saved on a strict improvement over 0; an all-wrong untrained net has none.
    if (!existsSync(join(dir, 'bestval')))
      cpSync(join(dir, 'latest'), join(dir, 'bestval'), { recursive: true });
    log({ event: 'end', reason: result.stopReason, step: result.state.totalSteps });
    writeFileSync(join(dir, 'done.txt'), `${new Date().toISOString()} ${result.stopReason}\n`);
  } finally {
    model.dispose();
    await source.close();
  }
  return { name: String(opt.name), dir, config };
}

/**
 * Prepares a smoke workspace in a fresh temporary folder.
 * @param needs - What to prepare (see {@link SmokeNeeds}).
 * @param backend - Backend of the training run (needs `'run'`).
 * @returns The workspace; the caller removes `root` (`rmSync(root, {recursive: true})`).
 */
export async function createSmokeWorkspace(
  needs: SmokeNeeds,
  backend: string,
): Promise<SmokeWorkspace> {
  const root = mkdtempSync(join(tmpdir(), 'patchfx-smoke-'));
  const data = join(root, 'data');
  const checkpointsDir = join(root, 'checkpoints');
  try {
    if (needs === 'data' || needs === 'run') {
      await synthesizeDataset({
        root: data,
        count: SMOKE_SIZES.imagesPerClass,
        size: SMOKE_SIZES.imageSize,
        seed: 0,
      });
    }
    const run = needs === 'run' ? await trainSmokeRun(data, checkpointsDir, backend) : null;
    return {
      root,
      backend,
      data,
      real: join(data, 'real'),
      fake: join(data, 'fake'),
      checkpointsDir,
      resultsDir: join(root, 'results'),
      run,
    };
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Wraps a program's main function so that `--smoke` runs it on a smoke workspace: the plan's
 * arguments go before the user's (which win), the program runs as usual, then prints
 * `smoke ok: <program>` when it succeeded, and the workspace is removed in every case.
 * Without `--smoke` it runs `main(process.argv.slice(2))` unchanged.
 *
 * @param program - The program's name, for the final line.
 * @param main - The program, taking its command-line arguments.
 * @param plan - What the smoke run needs and which arguments it fills in.
 * @returns The function to hand to `runMain`.
 */
export function withSmoke(
  program: string,
  main: (argv: readonly string[]) => Promise<number | void>,
  plan: SmokePlan,
): () => Promise<number | void> {
  return async () => {
    const argv = process.argv.slice(2);
    if (!argv.includes('--smoke') || wantsHelp(argv)) return main(argv);
    const started = performance.now();
    const backend = backendArgument(argv) ?? plan.defaultBackend ?? String(BACKEND_OPTION.default);
    const ws = await createSmokeWorkspace(plan.needs, backend);
    let code: number | void;
    try {
      say(`smoke workspace: ${ws.root} (removed at the end)`);
      const args = [...(await plan.args(ws)), ...argv];
      say(`smoke: ${program} ${args.join(' ')}`);
      code = await main(args);
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
    if ((code ?? 0) === 0) {
      // The backend that ran (tf.getBackend() would start one in a program that needs none).
      const active = tf.engine().backendName ?? 'none (no tensor work)';
      say(
        `smoke: ${((performance.now() - started) / 1000).toFixed(1)} s in all, backend ${active}`,
      );
      say(`smoke ok: ${program}`);
    }
    return code;
  };
}
