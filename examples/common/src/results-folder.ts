/**
 * The reference's test.py results folder, written over `evaluateFolders` of
 * `@patchfx/models/evaluate`: `results/<name>/<partition>/epoch_<which_epoch>/<dataset_name>/`
 * with the metrics of every aggregation mode, PR curves (SVG + PNG), a per-image `scores.csv`,
 * a staleness stamp and, with `visualize`, galleries of heatmaps. The programs `evaluate`,
 * `test-runs` and `robustness` call it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AVERAGE_MODES,
  parseAverageMode,
  type AverageMode,
  type MetricsReport,
} from '@patchfx/metrics';
import type { ModelConfig } from '@patchfx/models';
import { evaluateFolders, parseRuntime } from '@patchfx/models/evaluate';
import { renderPrCurve } from '@patchfx/viz';
import { writeNpy } from '@patchfx/viz/node';
import { say } from './log.js';
import type { Options } from './options.js';
import { svgToPng } from './svg-png.js';
import { resolvePartition } from './test-options.js';
import { writeVisualizations } from './visualize.js';

/** File stem of each image-level aggregation mode's metrics (spec §4.3). */
export const MODE_FILES: Readonly<Record<AverageMode, string>> = Object.freeze({
  vote: 'metrics_voted',
  before_softmax: 'metrics_avg_before_softmax',
  after_softmax: 'metrics_avg_after_softmax',
});

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

/** A PR curve as `<stem>.svg` and `<stem>.png`. */
function writePrCurve(outDir: string, stem: string, name: string, m: MetricsReport, title: string) {
  const svg = renderPrCurve(
    { name, precision: m.precision, recall: m.recall, ap: m.ap },
    { title },
  );
  writeFileSync(join(outDir, `${stem}.svg`), svg);
  writeFileSync(join(outDir, `${stem}.png`), svgToPng(svg));
}

/**
 * Evaluates as the reference's test.py (spec §4), with the options of `TEST_OPTIONS` already
 * merged with the train config, and writes the results folder.
 */
export async function runEvaluation(opt: Options, model: ModelConfig): Promise<EvaluationResult> {
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

  const fakeClassId = Number(opt.fake_class_id) as 0 | 1;
  const realId = 1 - fakeClassId;
  const ev = await evaluateFolders({
    realDir,
    fakeDir,
    model: ckDir,
    whichModelNetD: model,
    transform: {
      loadSize: Number(opt.loadSize),
      fineSize: Number(opt.fineSize),
      testFlip: Boolean(opt.test_flip),
      testCompression: opt.test_compression == null ? null : Number(opt.test_compression),
      testBlur: opt.test_blur == null ? null : Number(opt.test_blur),
      testGamma: opt.test_gamma == null ? null : Number(opt.test_gamma),
      testResize: opt.test_resize == null ? null : Number(opt.test_resize),
    },
    fakeClassId,
    batchSize: Number(opt.batch_size),
    maxDatasetSize: Number(opt.max_dataset_size),
    foldBatchNorm: !opt.no_fold_bn,
    runtime: parseRuntime(opt.runtime),
    skipBadFiles: Boolean(opt.skip_bad_files),
    onWarning: (m: string) => say(`warning: ${m}`),
  });
  const preds = ev.predictions;
  const n = preds.length;
  const metrics: Record<string, MetricsReport> = {};
  const extra = {
    which_model_netD: which,
    which_epoch: epoch,
    dataset_name: opt.dataset_name,
    perturbation: perturbationSuffix(opt).slice(1) || null,
    fake_class_id: fakeClassId,
    positive_class_of_ap: 'real',
    positive_class_of_ap_fake: 'fake',
    // Recorded when the model ran in onnxruntime (tfjs runs keep the files they always had).
    ...(opt.runtime === 'onnx' ? { runtime: 'onnx' } : {}),
  };
  if (ev.patchMetrics && ev.mapSize) {
    for (const mode of AVERAGE_MODES) {
      const m = ev.metrics[mode];
      metrics[MODE_FILES[mode]] = m;
      writeMetrics(outDir, MODE_FILES[mode], m, { ...extra, average_mode: mode });
      writePrCurve(outDir, MODE_FILES[mode], mode, m, `${opt.dataset_name}: ${mode}`);
    }
    metrics.metrics_patch = ev.patchMetrics;
    writeMetrics(outDir, 'metrics_patch', ev.patchMetrics, { ...extra, average_mode: 'patch' });
    if (opt.visualize) {
      const mode = parseAverageMode(opt.average_mode ?? 'after_softmax');
      say(`--visualize ranks images by ${mode} (--average_mode to change)`);
      await writeVisualizations({
        outDir,
        predictions: preds,
        scores: ev.scores[mode],
        mapSize: ev.mapSize,
        transform: ev.transform,
        fakeClassId,
        topn: Number(opt.topn),
        heatmapScale: opt.heatmap_scale === 'absolute' ? 'absolute' : 'minmax',
      });
    }
    const svg = renderPrCurve(
      AVERAGE_MODES.map((mode) => {
        const m = ev.metrics[mode];
        return { name: mode, precision: m.precision, recall: m.recall, ap: m.ap };
      }),
      { title: `${opt.dataset_name} (real = positive)` },
    );
    writeFileSync(join(outDir, 'pr_curves.svg'), svg);
  } else {
    if (opt.visualize)
      throw new Error(
        '--visualize works with patch models only (a full-image model has no patch map)',
      );
    const m = ev.metrics.after_softmax;
    metrics.metrics = m;
    writeMetrics(outDir, 'metrics', m, extra);
    writePrCurve(outDir, 'metrics', which, m, String(opt.dataset_name));
  }
  const rows = ['path,label,vote,before_softmax,after_softmax'];
  preds.forEach((p, i) => {
    const isReal = p.label === realId ? 1 : 0;
    rows.push(
      [
        csvField(p.path),
        isReal,
        ...AVERAGE_MODES.map((mode) => ev.scores[mode][i][realId].toPrecision(9)),
      ].join(','),
    );
  });
  writeFileSync(join(outDir, 'scores.csv'), `${rows.join('\n')}\n`);
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(join(outDir, 'done.txt'), `${new Date().toISOString()}\n`);
  return { outDir, metrics, n, imagesPerSecond: n / seconds, skipped: false };
}
