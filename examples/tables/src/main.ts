/**
 * tables: `npm run tables -- <results_dir> [--mode avg_after_softmax] [--partition test]`
 * prints AP×100, accuracy×100 and n tables (models × datasets) and writes them as Markdown,
 * CSV and HTML into `<results_dir>/tables/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  SMOKE_OPTION,
  withSmoke,
} from '@patchfx/example-common';
import { renderReport } from '@patchfx/viz';
import { collectTables, csvTable, markdownTable, textTable } from './tables.js';

async function main(argv: readonly string[]): Promise<number | void> {
  const { values, positionals } = parseOptions(
    {
      mode: {
        type: 'string',
        default: 'avg_after_softmax',
        choices: ['voted', 'avg_before_softmax', 'avg_after_softmax', 'patch'],
        help: 'which metrics_<mode>.json to tabulate',
      },
      partition: { type: 'string', default: 'test', help: 'partition folder' },
      which_epoch: {
        type: 'string',
        default: 'bestval',
        help: 'checkpoint folder (epoch_<which_epoch>)',
      },
      backend: {
        ...BACKEND_OPTION,
        help: 'unused: tables reads JSON files and does no tensor work (accepted like every program)',
      },
      smoke: SMOKE_OPTION,
    },
    argv,
    'tables',
    '[results_dir] [--mode avg_after_softmax] [--partition test] [--which_epoch bestval]',
  );
  const resultsDir = positionals[0] ?? './results';
  const t = collectTables(resultsDir, {
    mode: String(values.mode),
    partition: String(values.partition),
    epoch: String(values.which_epoch),
  });
  const out = join(resultsDir, 'tables');
  mkdirSync(out, { recursive: true });
  const stem = `${t.partition}_epoch_${t.epoch}_${t.mode}`;
  const parts: [string, (number | null)[][], number][] = [
    ['AP (real positive) ×100', t.ap, 2],
    ['AP (fake positive) ×100', t.apFake, 2],
    ['accuracy ×100', t.acc, 2],
    ['n', t.n, 0],
  ];
  const md: string[] = [`# ${t.mode} on ${t.partition} (epoch ${t.epoch})`];
  for (const [title, grid, digits] of parts) {
    say(`\n${title}\n${textTable(t, grid, digits)}`);
    md.push(`\n## ${title}\n\n${markdownTable(t, grid, digits)}`);
    writeFileSync(
      join(
        out,
        `${stem}_${title.split(' ')[0].toLowerCase()}${title.includes('fake') ? '_fake' : ''}.csv`,
      ),
      `${csvTable(t, grid)}\n`,
    );
  }
  writeFileSync(join(out, `${stem}.md`), `${md.join('\n')}\n`);
  writeFileSync(
    join(out, `${stem}.html`),
    renderReport(
      parts.map(([title, grid, digits]) => ({
        kind: 'metrics' as const,
        title,
        columns: ['model', ...t.datasets],
        rows: t.models.map((m, i) => [
          m,
          ...grid[i].map((v) => (v === null ? null : digits ? v : String(v))),
        ]),
        digits,
      })),
      { title: `patchfx tables: ${t.mode} on ${t.partition}` },
    ),
  );
  say(`\ntables written to ${out}/${stem}.{md,html} and *.csv`);
}

/** Writes `metrics_avg_after_softmax.json` files as evaluate does (values made up) for the smoke run. */
function writeSmokeResults(resultsDir: string): void {
  const cells = [
    ['run_a', 'set_1', 0.91, 0.93, 0.88, 200],
    ['run_a', 'set_2', 0.74, 0.71, 0.69, 180],
    ['run_b', 'set_1', 0.85, 0.87, 0.8, 200],
  ] as const; // run_b has no set_2: an empty cell
  for (const [run, set, ap, apFake, acc, n] of cells) {
    const dir = join(resultsDir, run, 'test', 'epoch_bestval', set);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'metrics_avg_after_softmax.json'),
      `${JSON.stringify({ ap, ap_fake: apFake, acc, n })}\n`,
    );
  }
}

runMain(
  withSmoke('tables', main, {
    needs: 'folder',
    args: (ws) => {
      writeSmokeResults(ws.resultsDir);
      return [ws.resultsDir];
    },
  }),
);
