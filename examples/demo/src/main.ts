/**
 * demo: the whole patch-forensics pipeline on the built-in synthetic benchmark, as separate
 * programs would run it — synthesize → train → evaluate (with heatmaps) → patches → segment
 * (face parts from the ground-truth label maps) → HTML report.
 *
 *   npm run demo                 # about 10 minutes on 2 cores
 *   npm run demo -- --smoke      # a few seconds: tiny data, 2 training steps
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeDataset } from '@patchfx/segment/node';
import {
  BACKEND_OPTION,
  parseOptions,
  runExample,
  runMain,
  say,
  SMOKE_OPTION,
  SMOKE_SIZES,
  withSmoke,
} from '@patchfx/example-common';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs another example program in a child process, streaming its output. */
function run(program: string, args: string[]): void {
  say(`\n$ npm run ${program} -- ${args.join(' ')}`);
  runExample(program, args);
}

async function main(argv: readonly string[]): Promise<number | void> {
  const { values } = parseOptions(
    {
      out: {
        type: 'string',
        default: 'demo-output',
        help: 'folder for data, checkpoints and results',
      },
      which_model_netD: { type: 'string', default: 'xception_block2', help: 'model to train' },
      count: {
        type: 'number',
        default: 600,
        help: 'synthetic images per class (60/20/20 train/val/test)',
      },
      strength: {
        type: 'number',
        default: 3,
        help: 'checkerboard strength of the synthetic fakes (1 = the benchmark default)',
      },
      zoom: {
        type: 'number',
        default: 1,
        help: 'framing of the synthetic faces: 1 head and shoulders, 2 aligned-face crop (FFHQ-like)',
      },
      max_steps: { type: 'number', default: 50, help: 'training batches (the time budget)' },
      backend: BACKEND_OPTION,
      smoke: {
        ...SMOKE_OPTION,
        help: `tiny run (seconds) in a temporary folder: ${SMOKE_SIZES.imagesPerClass} images per class at ${SMOKE_SIZES.imageSize} px, ${SMOKE_SIZES.whichModelNetD}, 2 steps`,
      },
      seed: { type: 'number', default: 0, help: 'seed of the data and the model' },
    },
    argv,
    'demo',
    '[--out demo-output] [--count 600] [--max_steps 50] [--smoke]',
  );
  const started = performance.now();
  const smoke = Boolean(values.smoke);
  const out = resolve(String(values.out));
  const count = smoke ? SMOKE_SIZES.imagesPerClass : Number(values.count);
  const data = join(out, 'data');
  const name = `demo_${values.which_model_netD}`;
  const size = smoke ? String(SMOKE_SIZES.imageSize) : '128';

  say(
    `1/6 synthesize ${count} real + ${count} fake face-like images (${size}×${size}) into ${data}`,
  );
  await synthesizeDataset({
    root: data,
    count,
    size: Number(size),
    seed: Number(values.seed),
    strength: Number(values.strength),
    zoom: Number(values.zoom),
  });

  const common = [
    '--checkpoints_dir',
    join(out, 'checkpoints'),
    '--results_dir',
    join(out, 'results'),
    '--backend',
    String(values.backend),
  ];
  const model = [
    '--which_model_netD',
    String(values.which_model_netD),
    '--loadSize',
    size,
    '--fineSize',
    size,
  ];
  say('\n2/6 train');
  run('train', [
    '--real_im_path',
    join(data, 'real'),
    '--fake_im_path',
    join(data, 'fake'),
    ...model,
    ...common,
    '--name',
    name,
    '--tensorboard_dir',
    join(out, 'runs'),
    '--overwrite_config',
    '--seed',
    String(values.seed),
    '--batch_size',
    smoke ? '4' : '32',
    '--max_steps',
    smoke ? '2' : String(values.max_steps),
    '--save_latest_freq',
    '20',
    '--print_freq',
    smoke ? '1' : '10',
    '--patience',
    '2',
    '--precise_bn',
    smoke ? '1' : '8',
    '--quiet',
  ]);
  const config = join(out, 'checkpoints', name, 'opt.yml');
  const test = [
    '--train_config',
    config,
    '--partition',
    'test',
    '--dataset_name',
    'synthetic',
    '--real_im_path',
    join(data, 'real', 'test'),
    '--fake_im_path',
    join(data, 'fake', 'test'),
    ...common.slice(2),
  ];
  say('\n3/6 evaluate on the test split, with heatmaps of the easiest and hardest images');
  run('evaluate', [
    ...test,
    '--force_redo',
    '--visualize',
    '--average_mode',
    'after_softmax',
    '--topn',
    smoke ? '2' : '8',
  ]);
  say('\n4/6 the most predictive patch of every test image');
  run('patches', [...test, '--topn', '10000', '--unique']);
  const patchesDir = join(
    out,
    'results',
    name,
    'test',
    'epoch_bestval',
    'synthetic',
    'patches_top10000',
  );
  const segment = join(EXAMPLES, 'segment', 'src', 'main.ts');
  if (existsSync(segment)) {
    say('\n5/6 which face part each patch falls in (ground-truth label maps of the synthetic set)');
    run('segment', [patchesDir, '--segmenter', 'label-maps']);
  } else {
    say('\n5/6 segment: not available in this build');
  }
  say('\n6/6 report');
  run('evaluate', [...test]); // refreshes the report (results are up to date, so nothing is recomputed)
  const metrics = JSON.parse(
    readFileSync(
      join(
        out,
        'results',
        name,
        'test',
        'epoch_bestval',
        'synthetic',
        'metrics_avg_after_softmax.json',
      ),
      'utf8',
    ),
  ) as { ap: number; ap_fake: number; acc: number };
  const best = readFileSync(join(out, 'checkpoints', name, 'bestval_ep.txt'), 'utf8')
    .trim()
    .split('\n')
    .at(-1);
  say(`\nbest validation: ${best}`);
  say(
    `test (avg after softmax): AP real ${(100 * metrics.ap).toFixed(2)}, AP fake ${(100 * metrics.ap_fake).toFixed(2)}, acc ${(100 * metrics.acc).toFixed(2)}`,
  );
  say(`report: ${join(out, 'results', name, 'report.html')}`);
  say(`demo finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

runMain(
  withSmoke('demo', main, {
    needs: 'folder',
    args: (ws) => [
      '--out',
      join(ws.root, 'demo-output'),
      '--which_model_netD',
      SMOKE_SIZES.whichModelNetD,
    ],
  }),
);
