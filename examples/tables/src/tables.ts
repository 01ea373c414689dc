/**
 * Result tables (the reference's tables notebook, spec §7.3): rows = runs (models), columns =
 * datasets, cells = AP×100, accuracy×100 and n from `metrics_<mode>.json` (falling back to
 * `metrics.json` for full-image models).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ResultTables {
  readonly mode: string;
  readonly partition: string;
  readonly epoch: string;
  readonly models: string[];
  readonly datasets: string[];
  /** `[model][dataset]`, null where missing. */
  readonly ap: (number | null)[][];
  readonly apFake: (number | null)[][];
  readonly acc: (number | null)[][];
  readonly n: (number | null)[][];
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Collects the tables from `<resultsDir>/<model>/<partition>/epoch_<epoch>/<dataset>/`. */
export function collectTables(
  resultsDir: string,
  options: { mode: string; partition: string; epoch: string },
): ResultTables {
  if (!isDir(resultsDir))
    throw new Error(
      `results folder '${resultsDir}' does not exist: run evaluate or test-runs first`,
    );
  const stem = `metrics_${options.mode}`;
  const models = readdirSync(resultsDir)
    .filter((m) => isDir(join(resultsDir, m, options.partition, `epoch_${options.epoch}`)))
    .sort();
  const cells = new Map<string, { ap: number; ap_fake: number; acc: number; n: number }>();
  const datasets = new Set<string>();
  for (const m of models) {
    const base = join(resultsDir, m, options.partition, `epoch_${options.epoch}`);
    for (const d of readdirSync(base).filter((x) => isDir(join(base, x)))) {
      const file = [join(base, d, `${stem}.json`), join(base, d, 'metrics.json')].find((f) =>
        existsSync(f),
      );
      if (!file) continue;
      datasets.add(d);
      cells.set(`${m}\u0000${d}`, JSON.parse(readFileSync(file, 'utf8')));
    }
  }
  const ds = [...datasets].sort();
  const grid = (k: 'ap' | 'ap_fake' | 'acc' | 'n', scale: number) =>
    models.map((m) =>
      ds.map((d) => {
        const c = cells.get(`${m}\u0000${d}`);
        return c ? c[k] * scale : null;
      }),
    );
  if (!models.length || !ds.length) {
    throw new Error(
      `no ${stem}.json (or metrics.json) under '${resultsDir}/*/${options.partition}/epoch_${options.epoch}/*/'; check --mode, --partition and --which_epoch`,
    );
  }
  return {
    ...options,
    models,
    datasets: ds,
    ap: grid('ap', 100),
    apFake: grid('ap_fake', 100),
    acc: grid('acc', 100),
    n: grid('n', 1),
  };
}

type Grid = (number | null)[][];
const fmt = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));

/** A Markdown table. */
export function markdownTable(t: ResultTables, grid: Grid, digits = 2): string {
  const head = `| model | ${t.datasets.join(' | ')} |`;
  const rule = `| --- | ${t.datasets.map(() => '---:').join(' | ')} |`;
  const rows = t.models.map(
    (m, i) => `| ${m} | ${grid[i].map((v) => fmt(v, digits)).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}

/** CSV (RFC 4180 quoting). */
export function csvTable(t: ResultTables, grid: Grid): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [
    ['model', ...t.datasets].map(q).join(','),
    ...t.models.map((m, i) =>
      [q(m), ...grid[i].map((v) => (v === null ? '' : String(v)))].join(','),
    ),
  ].join('\n');
}

/** A plain-text table for the terminal. */
export function textTable(t: ResultTables, grid: Grid, digits = 2): string {
  const cols = ['model', ...t.datasets];
  const rows = t.models.map((m, i) => [m, ...grid[i].map((v) => fmt(v, digits))]);
  const width = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) =>
    r.map((c, j) => (j === 0 ? c.padEnd(width[j]) : c.padStart(width[j]))).join('  ');
  return [line(cols), ...rows.map(line)].join('\n');
}
