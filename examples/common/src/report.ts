/**
 * The HTML run report `results/<name>/report.html`: metrics tables and PR curves of every
 * evaluation under the run's results folder, training curves from `checkpoints/<name>/log.jsonl`,
 * heatmap galleries of `--visualize`, and face-part histograms of `segment`. Self-contained and
 * offline (images are linked relatively; charts are inline SVG).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseClusterCounts } from '@patchfx/segment';
import {
  combinePartCounts,
  renderPartHistogram,
  renderReport,
  type PrCurveSeries,
  type ReportSection,
  type TrainingSeries,
} from '@patchfx/viz';
import { readTrainingLog } from './log.js';
import type { Options } from './options.js';

function walk(dir: string, found: string[] = []): string[] {
  if (!existsSync(dir)) return found;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, found);
    else found.push(p);
  }
  return found;
}

const posix = (p: string) => p.split(sep).join('/');

interface MetricsFile {
  readonly ap: number;
  readonly ap_fake: number;
  readonly acc: number;
  readonly n: number;
  readonly roc_auc?: number;
  readonly eer?: number;
  readonly precision: number[] | string;
  readonly recall: number[] | string;
}

function trainingSection(logPath: string): ReportSection | null {
  if (!existsSync(logPath)) return null;
  // Each step and epoch once (a resume re-runs what came after its checkpoint).
  const log = readTrainingLog(logPath);
  const steps = log.steps.map((r) => ({
    x: Number(r.step),
    loss: Number(r.loss_D),
    acc: Number(r.acc_D_raw),
  }));
  const epochs = log.epochs.map((r) => ({
    x: Number(r.step),
    loss: Number(r.loss_D_val),
    raw: Number(r.acc_D_raw_val),
    voted: Number(r.acc_D_voted_val),
    avg: Number(r.acc_D_avg_val),
  }));
  if (!steps.length) return null;
  const series = (name: string, x: number[], y: number[], dashed = false): TrainingSeries => ({
    name,
    x,
    y,
    dashed,
  });
  return {
    kind: 'training-curves',
    title: 'Training curves',
    charts: [
      {
        series: [
          series(
            'loss_D (train)',
            steps.map((s) => s.x),
            steps.map((s) => s.loss),
          ),
          series(
            'loss_D (val)',
            epochs.map((e) => e.x),
            epochs.map((e) => e.loss),
            true,
          ),
        ],
        options: { title: 'loss', xLabel: 'batch', yLabel: 'cross-entropy' },
      },
      {
        series: [
          series(
            'acc_D_raw (train)',
            steps.map((s) => s.x),
            steps.map((s) => s.acc),
          ),
          series(
            'acc_D_raw (val)',
            epochs.map((e) => e.x),
            epochs.map((e) => e.raw),
            true,
          ),
          series(
            'acc_D_voted (val)',
            epochs.map((e) => e.x),
            epochs.map((e) => e.voted),
            true,
          ),
          series(
            'acc_D_avg (val)',
            epochs.map((e) => e.x),
            epochs.map((e) => e.avg),
            true,
          ),
        ],
        options: { title: 'accuracy', xLabel: 'batch', yLabel: 'accuracy' },
      },
    ],
  };
}

/**
 * Writes (or refreshes) `results/<name>/report.html` for the run named in `opt`.
 * @returns The report's path.
 */
export function writeRunReport(opt: Options): string {
  const resultsDir = resolve(String(opt.results_dir), String(opt.name));
  const runDir = resolve(String(opt.checkpoints_dir), String(opt.name));
  const files = walk(resultsDir);
  const sections: ReportSection[] = [];
  sections.push({
    kind: 'text',
    title: `Run ${opt.name}`,
    paragraphs: [
      `Model ${opt.which_model_netD} (${opt.model}), input ${opt.fineSize}×${opt.fineSize}, checkpoints in ${runDir}.`,
      "AP (real) is the reference's AP: real images are the positive class, scored by P(real), as in the paper. " +
        'AP (fake) takes fakes as positive, scored by P(fake), as most detectors report. AUC and EER are fake-positive.',
    ],
  });
  const training = trainingSection(join(runDir, 'log.jsonl'));
  if (training) sections.push(training);
  const metricFiles = files.filter((f) => /[/\\]metrics(_[a-z_]+)?\.json$/.test(f)).sort();
  const groups = new Map<string, string[]>();
  for (const f of metricFiles) {
    const dir = f.slice(0, f.lastIndexOf(sep));
    groups.set(dir, [...(groups.get(dir) ?? []), f]);
  }
  for (const [dir, list] of groups) {
    const where = posix(relative(resultsDir, dir));
    const rows: (string | number | null)[][] = [];
    const curves: PrCurveSeries[] = [];
    for (const f of list) {
      const m = JSON.parse(readFileSync(f, 'utf8')) as MetricsFile;
      const mode = f.slice(f.lastIndexOf(sep) + 1).replace(/\.json$/, '');
      rows.push([
        mode,
        100 * m.ap,
        100 * m.ap_fake,
        100 * m.acc,
        m.roc_auc == null ? null : 100 * m.roc_auc,
        m.eer == null ? null : 100 * m.eer,
        String(m.n),
      ]);
      if (Array.isArray(m.precision) && Array.isArray(m.recall) && mode !== 'metrics_patch') {
        curves.push({
          name: mode.replace(/^metrics_?/, '') || 'image',
          precision: m.precision,
          recall: m.recall,
          ap: m.ap,
        });
      }
    }
    sections.push({
      kind: 'metrics',
      title: `Metrics: ${where}`,
      columns: [
        'aggregation',
        'AP real ×100',
        'AP fake ×100',
        'acc ×100',
        'AUC ×100',
        'EER ×100',
        'n',
      ],
      rows,
      digits: 2,
    });
    if (curves.length)
      sections.push({ kind: 'pr-curves', title: `PR curves (real = positive): ${where}`, curves });
  }
  const visDirs = [
    ...new Set(
      files.filter((f) => /_patch_1\.png$/.test(f)).map((f) => f.slice(0, f.lastIndexOf(sep))),
    ),
  ].sort();
  for (const dir of visDirs) {
    const images = readdirSync(dir)
      .filter((n) => /_patch_1\.png$/.test(n))
      .sort()
      .map((n) => ({
        path: posix(relative(resultsDir, join(dir, n))),
        caption: n.replace('_patch_1.png', ''),
      }));
    const lightbox = join(dir, '+lightbox.html');
    sections.push({
      kind: 'gallery',
      title: `Heatmaps: ${posix(relative(resultsDir, dir))}`,
      images,
      ...(existsSync(lightbox)
        ? { link: { path: posix(relative(resultsDir, lightbox)), caption: 'all files' } }
        : {}),
    });
  }
  const clusterDirs = [
    ...new Set(
      files
        .filter((f) => /[/\\]clusters[/\\]/.test(f) && /counts\.txt$/.test(f))
        .map((f) => f.slice(0, f.indexOf(`${sep}clusters${sep}`) + 9)),
    ),
  ];
  for (const dir of clusterDirs) {
    // One subset per class (`reals_clusters`, `fakes_clusters`), each with its counts.
    const subsets = readdirSync(dir)
      .filter((n) => statSync(join(dir, n)).isDirectory())
      .filter(
        (s) => existsSync(join(dir, s, 'counts.txt')) && existsSync(join(dir, s, 'baseline.txt')),
      )
      .sort(
        (a, b) =>
          Number(!a.startsWith('real')) - Number(!b.startsWith('real')) ||
          (a < b ? -1 : a > b ? 1 : 0),
      );
    if (!subsets.length) continue;
    const read = (s: string, file: string) =>
      parseClusterCounts(readFileSync(join(dir, s, file), 'utf8'));
    const tops = subsets.map((s) => read(s, 'counts.txt'));
    const rand = subsets.map((s) => read(s, 'baseline.txt'));
    const images = (counts: readonly Readonly<Record<string, number>>[]) =>
      counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
    const names = subsets.map((s) => s.replace(/_clusters$/, ''));
    // The notebook's histogram sums the classes; each class's own follows (what gives a fake away
    // need not be where a real is recognised).
    const charts = [
      { title: names.join(' + '), top: tops, random: rand },
      ...(subsets.length > 1
        ? names.map((title, i) => ({ title, top: [tops[i]], random: [rand[i]] }))
        : []),
    ];
    sections.push({
      kind: 'svg',
      title: `Face parts of the most predictive patches: ${posix(relative(resultsDir, dir))}`,
      svg: charts
        .map((c) =>
          renderPartHistogram(combinePartCounts(c.top, c.random), {
            title: `${c.title} (${images(c.top)} images)`,
          }),
        )
        .join(''),
    });
  }
  const path = join(resultsDir, 'report.html');
  writeFileSync(path, renderReport(sections, { title: `patchfx report: ${opt.name}` }));
  return path;
}
