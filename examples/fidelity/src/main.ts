/**
 * fidelity: trains patchfx (`npm run train`) and a PyTorch trainer written from the spec
 * (`torch_train.py`) on the same folders, with the same batches, for several seeds; evaluates
 * both checkpoints with `npm run evaluate` (the PyTorch one after `npm run convert`); reports
 * validation curves and test AP as mean ± std with the paired difference and its 95 % t-interval.
 *
 *   npm run fidelity -- --real_im_path R --fake_im_path F --loadSize 128 --fineSize 128 \
 *     --test_pairs whichfaceisreal=EXTRA/real:EXTRA/fake --seeds 0,1,2 --out results/fidelity
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  TRAIN_OPTIONS,
  parseOptions,
  readJsonl,
  runExample,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  resolveModelOptions,
  smokeTrainArgs,
  withSmoke,
  type OptionSpecs,
  type Options,
} from '@patchfx/example-common';
import { discoverPairedSplit } from '@patchfx/data/node';
import { synthesizeDataset } from '@patchfx/segment/node';
import { buildPatchDiscriminator } from '@patchfx/models';
import { saveSafetensorsFile } from '@patchfx/models/node';
import { planSource, type BatchPlanOptions } from './batches.js';
import { buildReport, formatMarkdown, type SeedResult, type SideResult } from './report.js';
import { checkTorchPython, runTorchTrainer, type EpochRecord } from './torch-side.js';

/** The train program's options that decide the data and the optimisation, passed to both sides. */
const SHARED = [
  'which_model_netD',
  'init_type',
  'fake_class_id',
  'loadSize',
  'fineSize',
  'batch_size',
  'lr',
  'beta1',
  'lr_policy',
  'patience',
  'max_epochs',
  'no_serial_batches',
  'random_crop',
  'random_resized_crop',
  'no_flip',
  'color_augment',
  'all_augment',
  'cnn_detection_augment',
] as const;

const OPTIONS: OptionSpecs = {
  real_im_path: { ...TRAIN_OPTIONS.real_im_path },
  fake_im_path: { ...TRAIN_OPTIONS.fake_im_path },
  test_pairs: {
    type: 'string',
    default: '',
    help: "extra test sets besides <real>/test : <fake>/test, comma-separated '[name=]REAL:FAKE' folder pairs",
  },
  synthetic: {
    type: 'number',
    default: null,
    help: 'instead of the two folders: the synthetic benchmark, this many images per class at loadSize (data seed 0), written to <out>/data',
  },
  seeds: {
    type: 'string',
    default: '0,1,2',
    help: 'seeds, comma-separated (each trains both sides)',
  },
  ...Object.fromEntries(SHARED.map((k) => [k, { ...TRAIN_OPTIONS[k] }])),
  which_model_netD: { ...TRAIN_OPTIONS.which_model_netD, default: 'xception_block2' },
  max_epochs: { ...TRAIN_OPTIONS.max_epochs, default: 7 },
  patience: { ...TRAIN_OPTIONS.patience, default: 5 },
  only: {
    type: 'string',
    default: 'both',
    choices: ['both', 'patchfx', 'torch'],
    help: 'train both sides, or one only (the report then has no paired difference)',
  },
  out: {
    type: 'string',
    default: 'results/fidelity',
    help: 'output folder (runs, results, fidelity.json, fidelity.md)',
  },
  backend: { ...TRAIN_OPTIONS.backend, help: 'patchfx backend of training and evaluation' },
  patchfx_args: {
    type: 'string',
    default: '',
    help: "extra options for 'npm run train', space-separated; give it with '=': --patchfx_args='--micro_batch 32 --workers 1'",
  },
  python: {
    type: 'string',
    default: '/usr/bin/python3',
    help: 'Python with torch and numpy (Debian: apt-get install python3-torch python3-numpy)',
  },
  same_init: {
    type: 'boolean',
    default: false,
    help: "PyTorch starts from patchfx's initial weights for the seed (as safetensors) instead of its own draw",
  },
  torch_threads: { type: 'number', default: 2, help: 'PyTorch threads' },
  smoke: SMOKE_OPTION,
};

interface TestPair {
  readonly name: string;
  readonly real: string;
  readonly fake: string;
}

function parseTestPairs(realRoot: string, fakeRoot: string, spec: string): TestPair[] {
  const pairs: TestPair[] = [
    { name: 'test', real: join(realRoot, 'test'), fake: join(fakeRoot, 'test') },
  ];
  for (const item of spec.split(',').filter((s) => s.trim())) {
    const m = /^(?:([^=]+)=)?([^:]+):(.+)$/.exec(item.trim());
    if (!m) throw new Error(`--test_pairs: '${item}' is not '[name=]REAL_FOLDER:FAKE_FOLDER'`);
    const real = resolve(m[2]);
    pairs.push({ name: m[1] ?? basename(dirname(real)), real, fake: resolve(m[3]) });
  }
  for (const p of pairs)
    for (const dir of [p.real, p.fake])
      if (!existsSync(dir))
        throw new Error(
          `test folder '${dir}' (test set '${p.name}') does not exist: give folders with images (--real_im_path/--fake_im_path need train/, val/ and test/ inside)`,
        );
  if (new Set(pairs.map((p) => p.name)).size !== pairs.length)
    throw new Error(`--test_pairs: two test sets share a name; give 'name=REAL:FAKE'`);
  return pairs;
}

function parseSeeds(spec: string): number[] {
  const seeds = spec.split(',').map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw new Error(`--seeds must be non-negative integers separated by commas, got '${spec}'`);
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seeds repeats a seed: '${spec}'`);
  return seeds;
}

/** `--flag value` for every shared option (booleans only when set). */
function trainArgs(opt: Options): string[] {
  const args: string[] = [];
  for (const k of SHARED) {
    const v = opt[k];
    if (v == null || v === false) continue;
    args.push(`--${k}`);
    if (v !== true) args.push(String(v));
  }
  return args;
}

/** The checkpoint to evaluate: bestval, or latest when validation never improved on 0. */
function tagOf(runDir: string): string {
  return existsSync(join(runDir, 'bestval', 'checkpoint.json')) ? 'bestval' : 'latest';
}

/** Evaluates `runs/<name>/<tag>` on every test pair with `npm run evaluate`; AP(real), avg_after_softmax. */
function evaluateRun(
  out: string,
  name: string,
  tag: string,
  pairs: readonly TestPair[],
  backend: string,
): Record<string, number> {
  const ap: Record<string, number> = {};
  for (const p of pairs) {
    runExample('evaluate', [
      '--checkpoints_dir',
      join(out, 'runs'),
      '--name',
      name,
      '--train_config',
      join(out, 'runs', name, 'opt.yml'),
      '--which_epoch',
      tag,
      '--partition',
      'all',
      '--dataset_name',
      p.name,
      '--real_im_path',
      p.real,
      '--fake_im_path',
      p.fake,
      '--results_dir',
      join(out, 'results'),
      '--backend',
      backend,
      '--force_redo',
    ]);
    const file = join(
      out,
      'results',
      name,
      'all',
      `epoch_${tag}`,
      p.name,
      'metrics_avg_after_softmax.json',
    );
    ap[p.name] = (JSON.parse(readFileSync(file, 'utf8')) as { ap: number }).ap;
  }
  return ap;
}

const curveOf = (records: readonly EpochRecord[]) =>
  records.map((r) => ({
    epoch: r.epoch,
    loss_D_val: r.loss_D_val,
    acc_D_raw_val: r.acc_D_raw_val,
    acc_D_voted_val: r.acc_D_voted_val,
    acc_D_avg_val: r.acc_D_avg_val,
  }));

async function main(argv: readonly string[]): Promise<number | void> {
  const parsed = parseOptions(
    OPTIONS,
    argv,
    'fidelity',
    '--real_im_path DIR --fake_im_path DIR [--test_pairs name=REAL:FAKE,…] [--seeds 0,1,2] [options]',
  );
  // The model name is parsed here, once (with --fake_class_id and --init_type).
  const { values: opt, model: modelConfig } = resolveModelOptions(parsed.values);
  const out = resolve(String(opt.out));
  if (opt.synthetic != null) {
    const count = Number(opt.synthetic);
    if (!Number.isInteger(count) || count < 5)
      throw new Error(`--synthetic must be an integer ≥ 5 (images per class), got ${count}`);
    const root = join(out, 'data');
    rmSync(root, { recursive: true, force: true });
    say(
      `synthesizing the benchmark: ${count} real + ${count} fake at ${opt.loadSize} px into ${root}`,
    );
    await synthesizeDataset({ root, count, size: Number(opt.loadSize), seed: 0 });
    opt.real_im_path = join(root, 'real');
    opt.fake_im_path = join(root, 'fake');
  }
  if (!opt.real_im_path || !opt.fake_im_path)
    throw new Error(
      'give --real_im_path and --fake_im_path (folders with train/, val/ and test/ inside), or --synthetic N',
    );
  const realRoot = resolve(String(opt.real_im_path));
  const fakeRoot = resolve(String(opt.fake_im_path));
  const seeds = parseSeeds(String(opt.seeds));
  const sides = opt.only === 'both' ? ['patchfx', 'torch'] : [String(opt.only)];
  const backend = String(opt.backend);
  const python = String(opt.python);
  const [train, val] = await Promise.all(
    (['train', 'val'] as const).map((p) => discoverPairedSplit(realRoot, fakeRoot, p)),
  );
  const pairs = parseTestPairs(realRoot, fakeRoot, String(opt.test_pairs));
  const torchVersion = sides.includes('torch') ? checkTorchPython(python) : null;
  const which = String(opt.which_model_netD);
  const extra = String(opt.patchfx_args).split(/\s+/).filter(Boolean);
  mkdirSync(join(out, 'runs'), { recursive: true });
  // The PyTorch side only needs the batches as data: the cpu backend holds them briefly.
  await setupBackend('cpu');
  say(
    `fidelity: ${which} at ${opt.fineSize}×${opt.fineSize}, seeds ${seeds.join(', ')}, ${sides.join(' + ')}; ` +
      `test sets ${pairs.map((p) => p.name).join(', ')}; output ${out}`,
  );
  const results: SeedResult[] = [];
  for (const seed of seeds) {
    const r: { seed: number; patchfx?: SideResult; torch?: SideResult } = { seed };
    if (sides.includes('patchfx')) {
      const name = `patchfx_seed${seed}`;
      const runDir = join(out, 'runs', name);
      const t0 = performance.now();
      rmSync(runDir, { recursive: true, force: true });
      say(`seed ${seed}: training patchfx (npm run train)`);
      runExample('train', [
        '--real_im_path',
        realRoot,
        '--fake_im_path',
        fakeRoot,
        ...trainArgs(opt),
        '--seed',
        String(seed),
        '--checkpoints_dir',
        join(out, 'runs'),
        '--name',
        name,
        '--backend',
        backend,
        '--quiet',
        '--print_freq',
        '1000000',
        '--tensorboard_dir',
        'none',
        ...extra,
      ]);
      const trainSeconds = (performance.now() - t0) / 1000;
      const log = readJsonl(join(runDir, 'log.jsonl'));
      const epochs = log.filter((e) => e.event === 'epoch') as unknown as EpochRecord[];
      const tag = tagOf(runDir);
      r.patchfx = {
        curve: curveOf(epochs),
        trainLoss: log.filter((e) => e.event === 'step').map((e) => Number(e.loss_D)),
        checkpoint: tag,
        trainSeconds,
        testAp: evaluateRun(out, name, tag, pairs, backend),
      };
    }
    if (sides.includes('torch')) {
      const name = `torch_seed${seed}`;
      const runDir = join(out, 'runs', name);
      rmSync(runDir, { recursive: true, force: true });
      const pthDir = join(runDir, 'pth');
      mkdirSync(pthDir, { recursive: true });
      say(`seed ${seed}: training PyTorch ${torchVersion} (torch_train.py) on patchfx's batches`);
      const planOptions: BatchPlanOptions = {
        train,
        val,
        transform: {
          loadSize: Number(opt.loadSize),
          fineSize: Number(opt.fineSize),
          patchModel: true,
          randomCrop: Boolean(opt.random_crop),
          randomResizedCrop: Boolean(opt.random_resized_crop),
          noFlip: Boolean(opt.no_flip),
          colorAugment: Boolean(opt.color_augment),
          allAugment: Boolean(opt.all_augment),
          cnnDetectionAugment: Number(opt.cnn_detection_augment),
        },
        batchSize: Number(opt.batch_size),
        seed,
        noSerialBatches: Boolean(opt.no_serial_batches),
        fakeClassId: Number(opt.fake_class_id) as 0 | 1,
      };
      let initFrom: string | null = null;
      if (opt.same_init) {
        // The network `npm run train` starts from with this seed (its own call), in PyTorch's layout.
        initFrom = join(pthDir, 'init.safetensors');
        const model = buildPatchDiscriminator(modelConfig, { seed });
        try {
          await saveSafetensorsFile(initFrom, model);
        } finally {
          model.dispose();
        }
      }
      const source = planSource(planOptions, (m) => say(`warning: ${m}`));
      let torch;
      try {
        torch = await runTorchTrainer(
          python,
          {
            which_model_netD: which,
            seed,
            init_type: String(opt.init_type),
            lr: Number(opt.lr),
            beta1: Number(opt.beta1),
            lr_policy: String(opt.lr_policy),
            patience: Number(opt.patience),
            max_epochs: opt.max_epochs == null ? null : Number(opt.max_epochs),
            fake_class_id: planOptions.fakeClassId,
            out: pthDir,
            threads: Number(opt.torch_threads),
            hashes: false,
            init_from: initFrom,
          },
          source,
          pthDir,
          (e) =>
            say(
              `torch seed ${seed} epoch ${e.epoch}: val loss_D ${e.loss_D_val.toFixed(4)}, acc_D_raw ${e.acc_D_raw_val.toFixed(4)} [${(e.seconds ?? 0).toFixed(0)} s]`,
            ),
        );
      } finally {
        await source.close();
      }
      const tag = existsSync(join(pthDir, 'bestval_net_D.pth')) ? 'bestval' : 'latest';
      runExample('convert', [
        join(pthDir, `${tag}_net_D.pth`),
        '--which_model_netD',
        which,
        '--loadSize',
        String(opt.loadSize),
        '--fineSize',
        String(opt.fineSize),
        '--fake_class_id',
        String(opt.fake_class_id),
        '--checkpoints_dir',
        join(out, 'runs'),
        '--name',
        name,
        '--which_epoch',
        tag,
      ]);
      r.torch = {
        curve: curveOf(torch.epochs),
        trainLoss: torch.epochs.flatMap((e) => e.step_loss_D ?? []),
        checkpoint: tag,
        trainSeconds: torch.seconds,
        stopReason: torch.end.reason,
        testAp: evaluateRun(out, name, tag, pairs, backend),
      };
    }
    results.push(r);
  }
  const report = buildReport({
    config: {
      ...Object.fromEntries(SHARED.map((k) => [k, opt[k]])),
      real_im_path: realRoot,
      fake_im_path: fakeRoot,
      backend,
      patchfx_args: extra,
      same_init: Boolean(opt.same_init),
      torch: torchVersion,
    },
    testSets: pairs.map((p) => p.name),
    seeds: results,
  });
  writeFileSync(join(out, 'fidelity.json'), `${JSON.stringify(report, null, 1)}\n`);
  const md = formatMarkdown(report);
  writeFileSync(join(out, 'fidelity.md'), md);
  process.stdout.write(`${md}\n`);
  say(`wrote ${join(out, 'fidelity.json')} and ${join(out, 'fidelity.md')}`);
}

runMain(
  withSmoke('fidelity', main, {
    needs: 'data',
    args: (ws) => [
      ...smokeTrainArgs(ws),
      '--max_epochs',
      '0',
      '--seeds',
      '0',
      '--out',
      join(ws.root, 'fidelity'),
    ],
  }),
);
