/**
 * The fidelity report: per seed, both sides' validation curves and test AP; per test set (and
 * their mean), mean ± std per side and the paired difference patchfx − PyTorch with its 95 %
 * t-interval.
 */
import { meanStd, pairedDifference, type PairedDifference } from '@patchfx/metrics';

/** One validation epoch. */
export interface CurvePoint {
  readonly epoch: number;
  readonly loss_D_val: number;
  readonly acc_D_raw_val: number;
  readonly acc_D_voted_val: number;
  readonly acc_D_avg_val: number;
}

/** One side's run for one seed. */
export interface SideResult {
  readonly curve: CurvePoint[];
  /**
   * Training loss of every step, in order. Its first value is the loss of the initial network on
   * the first batch (training-mode BatchNorm): with `--same_init` both sides must agree on it.
   */
  readonly trainLoss: number[];
  /** Which checkpoint was evaluated (`bestval`, or `latest` when validation never improved). */
  readonly checkpoint: string;
  readonly trainSeconds: number;
  readonly stopReason?: string;
  /** AP (real positive, avg_after_softmax) per test set. */
  readonly testAp: Record<string, number>;
}

export interface SeedResult {
  readonly seed: number;
  readonly patchfx?: SideResult;
  readonly torch?: SideResult;
}

/** The mean of the test sets' AP of one run (the issue's headline number). */
export const MEAN_OF_SETS = 'mean of test sets';

export interface SummaryRow {
  readonly testSet: string;
  readonly patchfx: { mean: number; std: number; n: number } | null;
  readonly torch: { mean: number; std: number; n: number } | null;
  /** patchfx − torch over the seeds both sides ran. */
  readonly difference: PairedDifference | null;
}

export interface FidelityReport {
  readonly config: Record<string, unknown>;
  readonly testSets: string[];
  readonly seeds: SeedResult[];
  readonly summary: SummaryRow[];
}

/** AP of `side` on `set` (or the mean over the sets). */
function apOf(side: SideResult, set: string, sets: readonly string[]): number {
  if (set !== MEAN_OF_SETS) return side.testAp[set];
  return sets.reduce((a, s) => a + side.testAp[s], 0) / sets.length;
}

/** Summarises the per-seed results. */
export function buildReport(o: {
  config: Record<string, unknown>;
  testSets: string[];
  seeds: SeedResult[];
}): FidelityReport {
  const rows = [...o.testSets, ...(o.testSets.length > 1 ? [MEAN_OF_SETS] : [])];
  const summary = rows.map((set): SummaryRow => {
    const values = (k: 'patchfx' | 'torch') =>
      o.seeds.filter((s) => s[k]).map((s) => apOf(s[k]!, set, o.testSets));
    const p = values('patchfx');
    const t = values('torch');
    const both = o.seeds.filter((s) => s.patchfx && s.torch);
    return {
      testSet: set,
      patchfx: p.length ? meanStd(p) : null,
      torch: t.length ? meanStd(t) : null,
      difference: both.length
        ? pairedDifference(
            both.map((s) => apOf(s.patchfx!, set, o.testSets)),
            both.map((s) => apOf(s.torch!, set, o.testSets)),
          )
        : null,
    };
  });
  return { ...o, summary };
}

const f3 = (v: number) => v.toFixed(3);
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/** The report as Markdown: the summary table, the per-seed table and the validation curves. */
export function formatMarkdown(r: FidelityReport): string {
  const n = r.seeds.length;
  const lines = [
    `Test AP (real positive, avg_after_softmax), ${n} seed(s): mean ± sample std; difference = patchfx − PyTorch on the same seed, mean [95 % t-interval].`,
    '',
    '| test set | patchfx | PyTorch | difference |',
    '|---|---|---|---|',
  ];
  for (const s of r.summary) {
    const ms = (m: SummaryRow['patchfx']) => (m ? `${f3(m.mean)} ± ${f3(m.std)}` : '—');
    const d = s.difference;
    const diff = !d
      ? '—'
      : d.lo === null
        ? `${signed(d.mean)} (one seed: no interval)`
        : `${signed(d.mean)} [${signed(d.lo)}, ${signed(d.hi!)}]`;
    lines.push(`| ${s.testSet} | ${ms(s.patchfx)} | ${ms(s.torch)} | ${diff} |`);
  }
  lines.push(
    '',
    '| seed | side | ' + r.testSets.join(' | ') + ' | checkpoint | first-step loss | train s |',
  );
  lines.push('|---|---|' + r.testSets.map(() => '---|').join('') + '---|---|---|');
  for (const s of r.seeds)
    for (const k of ['patchfx', 'torch'] as const) {
      const side = s[k];
      if (!side) continue;
      lines.push(
        `| ${s.seed} | ${k === 'torch' ? 'PyTorch' : k} | ${r.testSets.map((t) => f3(side.testAp[t])).join(' | ')} | ${side.checkpoint} | ${side.trainLoss.length ? side.trainLoss[0].toFixed(6) : '—'} | ${side.trainSeconds.toFixed(0)} |`,
      );
    }
  lines.push(
    '',
    'Validation curves (val loss_D / acc_D_raw per epoch):',
    '',
    '| seed | side | ' + 'epochs |',
    '|---|---|---|',
  );
  for (const s of r.seeds)
    for (const k of ['patchfx', 'torch'] as const) {
      const side = s[k];
      if (!side) continue;
      const pts = side.curve
        .map((c) => `${c.epoch}: ${c.loss_D_val.toFixed(3)} / ${c.acc_D_raw_val.toFixed(3)}`)
        .join(', ');
      lines.push(`| ${s.seed} | ${k === 'torch' ? 'PyTorch' : k} | ${pts} |`);
    }
  return `${lines.join('\n')}\n`;
}
