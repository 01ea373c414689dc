/**
 * The reference's test.py as a function: evaluates one checkpoint on a real folder and a fake
 * folder, writes `results/<name>/<partition>/epoch_<which_epoch>/<dataset_name>/` with the
 * metrics of every aggregation mode, PR curves (SVG + PNG), a per-image `scores.csv` and,
 * with `visualize`, galleries of heatmaps. Programs `evaluate`, `test-runs`, `robustness` and
 * `demo` call it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { resolveTransformConfig, type TransformConfig } from '@patchfx/data';
import { discoverImages, initNodeCodecs } from '@patchfx/data/node';
import {
  aggregatePredictionsAsync,
  computeMetrics,
  patchSamplesAsync,
  type MetricsReport,
} from '@patchfx/metrics';
import { foldBatchNorm, isPatchModel, parseModelName, type FoldedModel } from '@patchfx/models';
import { loadCheckpoint } from '@patchfx/models/node';
import { renderPrCurve } from '@patchfx/viz';
import { say, svgToPng, type Options } from '@patchfx/example-common';
import { writeNpy } from '@patchfx/viz/node';
import { predictFiles, type ImagePrediction } from '@patchfx/example-common';
import { writeVisualizations } from './visualize.js';
import { resolvePartition } from './config.js';

/** Image-level aggregation modes and their file stems (spec §4.3). */
export const MODE_FILES = Object.freeze({
  vote: 'metrics_voted',
  before_softmax: 'metrics_avg_before_softmax',
  after_softmax: 'metrics_avg_after_softmax',
} as const);
export type ImageMode = keyof typeof MODE_FILES;
const MODES = Object.keys(MODE_FILES) as ImageMode[];

/** What one evaluation produced. */
export interface EvaluationResult {
  readonly outDir: string;
  /** Metrics by file stem (`metrics_voted`, …, `metrics_patch`, or `metrics` for full models). */
  readonly metrics: Readonly<Record<string, MetricsReport>>;
  readonly n: number;
  /** Whole-run throughput (decode + transform + model + metrics + files). */
  readonly imagesPerSecond: number;
  readonly skipped: boolean;
}

/** Suffix naming the test-time perturbations, e.g. `_jpeg75_blur3`. */
export function perturbationSuffix(opt: Options): string {
  const parts: string[] = [];
  if (opt.test_compression != null) parts.push(`jpeg${opt.test_compression}`);
  if (opt.test_blur != null) parts.push(`blur${opt.test_blur}`);
  if (opt.test_gamma != null) parts.push(`gamma${opt.test_gamma}`);
  if (opt.test_resize != null) parts.push(`resize${opt.test_resize}`);
  if (opt.test_flip) parts.push('flip');
  return parts.length ? `_${parts.join('_')}` : '';
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** JSON of a metrics report; curves of huge patch-level sets go to `.npy` files beside it. */
function writeMetrics(
  outDir: string,
  stem: string,
  m: MetricsReport,
  extra: Record<string, unknown>,
): void {
  let body: Record<string, unknown> = { ...m, ...extra };
  if (m.thresholds.length > 100_000) {
    for (const k of ['precision', 'recall', 'thresholds'] as const) {
      writeNpy(join(outDir, `${stem}.${k}.npy`), {
        data: Float64Array.from(m[k]),
        shape: [m[k].length],
      });
      body = { ...body, [k]: `${stem}.${k}.npy` };
    }
  }
  writeFileSync(join(outDir, `${stem}.json`), `${JSON.stringify(body, null, 1)}\n`);
}

/**
 * Evaluates as the reference's test.py (spec §4), with the options of `TEST_OPTIONS` already
 * merged with the train config.
 */
export async function runEvaluation(opt: Options): Promise<EvaluationResult> {
  const started = performance.now();
  const which = String(opt.which_model_netD);
  const epoch = String(opt.which_epoch);
  for (const flag of ['real_im_path', 'fake_im_path'])
    if (!opt[flag]) throw new Error(`give --${flag} (a folder of ${flag.slice(0, 4)} images)`);
  const realDir = String(opt.real_im_path).replace(/\/+$/, '');
  const fakeDir = String(opt.fake_im_path).replace(/\/+$/, '');
  const partition = resolvePartition(
    realDir,
    fakeDir,
    opt.partition == null ? null : String(opt.partition),
  );
  if (!opt.dataset_name)
    throw new Error('give --dataset_name (the name of this test set in the results folder)');
  const runDir = resolve(String(opt.checkpoints_dir), String(opt.name));
  const ckDir = join(runDir, epoch);
  const outDir = resolve(
    String(opt.results_dir),
    String(opt.name),
    partition,
    `epoch_${epoch}`,
    `${opt.dataset_name}${perturbationSuffix(opt)}`,
  );
  // Staleness: redo when the checkpoint changed since the stored timestamp (spec §4.1 step 3).
  const manifestPath = join(ckDir, 'checkpoint.json');
  if (!existsSync(manifestPath)) {
    throw new Error(
      `no checkpoint '${epoch}' in '${runDir}' (missing ${manifestPath}); train first, or pass --which_epoch latest|bestval|<N>`,
    );
  }
  const savedAt = String(
    (JSON.parse(readFileSync(manifestPath, 'utf8')) as { savedAt: string }).savedAt,
  );
  const stamp = join(outDir, `timestamp_${epoch}_net_D.txt`);
  const upToDate =
    existsSync(join(outDir, 'done.txt')) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === savedAt;
  if (upToDate && !opt.force_redo) {
    say(
      `results in ${outDir} are up to date with checkpoint '${epoch}' (saved ${savedAt}); --force_redo to recompute`,
    );
    const metrics: Record<string, MetricsReport> = {};
    for (const stem of [...Object.values(MODE_FILES), 'metrics_patch', 'metrics']) {
      const p = join(outDir, `${stem}.json`);
      if (existsSync(p)) metrics[stem] = JSON.parse(readFileSync(p, 'utf8')) as MetricsReport;
    }
    return {
      outDir,
      metrics,
      n: metrics[Object.keys(metrics)[0]]?.n ?? 0,
      imagesPerSecond: NaN,
      skipped: true,
    };
  }
  mkdirSync(outDir, { recursive: true });
  rmSync(join(outDir, 'done.txt'), { force: true });
  writeFileSync(stamp, `${savedAt}\n`);

  await initNodeCodecs();
  const [real, fake] = await Promise.all([
    discoverImages(realDir, { maxDatasetSize: Number(opt.max_dataset_size) }),
    discoverImages(fakeDir, { maxDatasetSize: Number(opt.max_dataset_size) }),
  ]);
  const fakeClassId = Number(opt.fake_class_id) as 0 | 1;
  const realId = 1 - fakeClassId;
  const patch = isPatchModel(parseModelName(which));
  const transform: TransformConfig = resolveTransformConfig({
    loadSize: Number(opt.loadSize),
    fineSize: Number(opt.fineSize),
    patchModel: patch,
    testFlip: Boolean(opt.test_flip),
    testCompression: opt.test_compression == null ? null : Number(opt.test_compression),
    testBlur: opt.test_blur == null ? null : Number(opt.test_blur),
    testGamma: opt.test_gamma == null ? null : Number(opt.test_gamma),
    testResize: opt.test_resize == null ? null : Number(opt.test_resize),
  });
  const { model } = await loadCheckpoint(ckDir, { whichModelNetD: which });
  let folded: FoldedModel | null = null;
  try {
    // BatchNorm folded into the convolutions: the same logits within float rounding, faster.
    folded = opt.no_fold_bn ? null : foldBatchNorm(model);
    const common = {
      transform,
      batchSize: Number(opt.batch_size),
      skipBadFiles: Boolean(opt.skip_bad_files),
      onWarning: (m: string) => say(`warning: ${m}`),
    };
    // Order as the reference: all reals, then all fakes.
    const r = await predictFiles(folded ?? model, real.files, { ...common, label: realId });
    const f = await predictFiles(folded ?? model, fake.files, { ...common, label: fakeClassId });
    const preds: ImagePrediction[] = [...r.predictions, ...f.predictions];
    const labels = preds.map((p) => p.label);
    const n = preds.length;
    const mapSize = r.mapSize ?? f.mapSize;
    const metrics: Record<string, MetricsReport> = {};
    const extra = {
      which_model_netD: which,
      which_epoch: epoch,
      dataset_name: opt.dataset_name,
      perturbation: perturbationSuffix(opt).slice(1) || null,
      fake_class_id: fakeClassId,
      positive_class_of_ap: 'real',
      positive_class_of_ap_fake: 'fake',
    };
    const scoreCols: Record<string, number[]> = {};
    const curves: { name: string; precision: number[]; recall: number[]; ap: number }[] = [];
    if (patch && mapSize) {
      const [h, w] = mapSize;
      const all = new Float32Array(n * h * w * 2);
      preds.forEach((p, i) => all.set(p.logits, i * h * w * 2));
      const logits = tf.tensor4d(all, [n, h, w, 2]);
      const labelsT = tf.tensor1d(labels, 'int32');
      try {
        const scoresByMode: Partial<Record<ImageMode, number[][]>> = {};
        for (const mode of MODES) {
          const s = await aggregatePredictionsAsync(logits, mode);
          scoresByMode[mode] = s;
          const m = computeMetrics(labels, s, { fakeClassId });
          metrics[MODE_FILES[mode]] = m;
          writeMetrics(outDir, MODE_FILES[mode], m, { ...extra, average_mode: mode });
          scoreCols[mode] = s.map((row) => row[realId]);
          curves.push({ name: mode, precision: m.precision, recall: m.recall, ap: m.ap });
          const svg = renderPrCurve(
            { name: mode, precision: m.precision, recall: m.recall, ap: m.ap },
            { title: `${opt.dataset_name}: ${mode}` },
          );
          writeFileSync(join(outDir, `${MODE_FILES[mode]}.svg`), svg);
          writeFileSync(join(outDir, `${MODE_FILES[mode]}.png`), svgToPng(svg));
        }
        const samples = await patchSamplesAsync(logits, labelsT);
        const mp = computeMetrics(samples.labels, samples.scores, { fakeClassId });
        metrics.metrics_patch = mp;
        writeMetrics(outDir, 'metrics_patch', mp, { ...extra, average_mode: 'patch' });
        if (opt.visualize) {
          const mode = (opt.average_mode ?? 'after_softmax') as ImageMode;
          say(`--visualize ranks images by ${mode} (--average_mode to change)`);
          await writeVisualizations({
            outDir,
            predictions: preds,
            scores: scoresByMode[mode]!,
            mapSize,
            transform,
            fakeClassId,
            topn: Number(opt.topn),
            heatmapScale: opt.heatmap_scale === 'absolute' ? 'absolute' : 'minmax',
          });
        }
      } finally {
        tf.dispose([logits, labelsT]);
      }
    } else {
      if (opt.visualize)
        throw new Error(
          '--visualize works with patch models only (a full-image model has no patch map)',
        );
      const s = preds.map((p) => {
        const m = Math.max(p.logits[0], p.logits[1]);
        const e0 = Math.exp(p.logits[0] - m);
        const e1 = Math.exp(p.logits[1] - m);
        return [e0 / (e0 + e1), e1 / (e0 + e1)];
      });
      const m = computeMetrics(labels, s, { fakeClassId });
      metrics.metrics = m;
      writeMetrics(outDir, 'metrics', m, extra);
      for (const mode of MODES) scoreCols[mode] = s.map((row) => row[realId]);
      const svg = renderPrCurve(
        { name: which, precision: m.precision, recall: m.recall, ap: m.ap },
        { title: String(opt.dataset_name) },
      );
      writeFileSync(join(outDir, 'metrics.svg'), svg);
      writeFileSync(join(outDir, 'metrics.png'), svgToPng(svg));
    }
    if (curves.length) {
      const svg = renderPrCurve(curves, { title: `${opt.dataset_name} (real = positive)` });
      writeFileSync(join(outDir, 'pr_curves.svg'), svg);
    }
    const rows = ['path,label,vote,before_softmax,after_softmax'];
    preds.forEach((p, i) => {
      const isReal = p.label === realId ? 1 : 0;
      rows.push(
        [csvField(p.path), isReal, ...MODES.map((mode) => scoreCols[mode][i].toPrecision(9))].join(
          ',',
        ),
      );
    });
    writeFileSync(join(outDir, 'scores.csv'), `${rows.join('\n')}\n`);
    const seconds = (performance.now() - started) / 1000;
    writeFileSync(join(outDir, 'done.txt'), `${new Date().toISOString()}\n`);
    return { outDir, metrics, n, imagesPerSecond: n / seconds, skipped: false };
  } finally {
    folded?.dispose();
    model.dispose();
  }
}

/** Modification time of a checkpoint folder's weights, for reports. */
export function checkpointTime(ckDir: string): Date | null {
  const p = join(ckDir, 'weights.bin');
  return existsSync(p) ? statSync(p).mtime : null;
}
export { resolvePartition, resolveTestOptions } from './config.js';
