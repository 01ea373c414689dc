/**
 * robustness: one checkpoint, one test set, swept over JPEG qualities, blur kernel sizes and
 * resize factors; writes an AP-vs-degradation table (Markdown, CSV) and chart (SVG, PNG).
 *
 *   npm run robustness -- --train_config checkpoints/<name>/opt.yml --partition test --dataset_name <n> \
 *     --real_im_path <dir>/test --fake_im_path <dir>/test [--jpeg 90,70,50] [--blur 3,5] [--resize 0.5]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  runMain,
  say,
  setupBackend,
  smokeTestArgs,
  SMOKE_OPTION,
  svgToPng,
  withSmoke,
  MODE_FILES,
  resolvePartition,
  resolveTestOptions,
  runEvaluation,
  type OptionSpecs,
} from '@patchfx/example-common';
import { parseAverageMode } from '@patchfx/metrics';
import { renderDegradationChart } from '@patchfx/viz';

const SWEEPS: OptionSpecs = {
  jpeg: {
    type: 'list',
    default: ['100', '90', '80', '70', '60', '50', '40', '30'],
    help: 'JPEG qualities',
  },
  blur: { type: 'list', default: ['3', '5', '7', '9'], help: 'box-blur kernel sizes' },
  resize: { type: 'list', default: ['0.75', '0.5', '0.25'], help: 'resize-then-back factors' },
  smoke: SMOKE_OPTION,
};

function numbers(list: unknown, flag: string): number[] {
  return (list as string[]).map((s) => {
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`--${flag}: '${s}' is not a number`);
    return v;
  });
}

async function main(argv: readonly string[]): Promise<number | void> {
  const { options: base, model } = resolveTestOptions(
    argv,
    SWEEPS,
    'robustness',
    '--train_config opt.yml --dataset_name N --real_im_path DIR --fake_im_path DIR [--jpeg 90,70,50] [--blur 3,5] [--resize 0.5]',
  );
  // Once for the whole sweep (every evaluation below then names it without a message).
  base.partition = resolvePartition(
    String(base.real_im_path ?? ''),
    String(base.fake_im_path ?? ''),
    base.partition == null ? null : String(base.partition),
  );
  await setupBackend(String(base.backend));
  // --average_mode (of the test options): the aggregation whose AP the sweep reports.
  const mode = parseAverageMode(String(base.average_mode));
  const stem = MODE_FILES[mode];
  const sweeps: { name: string; flag: string; param: string; values: number[] }[] = [
    {
      name: 'JPEG quality',
      flag: 'test_compression',
      param: 'jpeg',
      values: numbers(base.jpeg, 'jpeg'),
    },
    { name: 'blur kernel', flag: 'test_blur', param: 'blur', values: numbers(base.blur, 'blur') },
    {
      name: 'resize factor',
      flag: 'test_resize',
      param: 'resize',
      values: numbers(base.resize, 'resize'),
    },
  ];
  const clean = await runEvaluation(base, model);
  const cleanAp = clean.metrics[stem]?.ap ?? clean.metrics.metrics?.ap;
  const rows: string[][] = [
    ['degradation', 'value', 'AP real ×100', 'AP fake ×100', 'acc ×100', 'n'],
  ];
  const add = (
    name: string,
    value: string,
    m: { ap: number; ap_fake: number; acc: number; n: number } | undefined,
  ) =>
    rows.push([
      name,
      value,
      m ? (100 * m.ap).toFixed(2) : '–',
      m ? (100 * m.ap_fake).toFixed(2) : '–',
      m ? (100 * m.acc).toFixed(2) : '–',
      m ? String(m.n) : '–',
    ]);
  add('none', '-', clean.metrics[stem] ?? clean.metrics.metrics);
  const outDir = join(clean.outDir, '..', `${base.dataset_name}_robustness`);
  mkdirSync(outDir, { recursive: true });
  for (const s of sweeps) {
    const ys: number[] = [];
    for (const v of s.values) {
      const r = await runEvaluation({ ...base, [s.flag]: v }, model);
      const m = r.metrics[stem] ?? r.metrics.metrics;
      add(s.name, String(v), m);
      ys.push(m ? m.ap : NaN);
      say(`${s.name} ${v}: AP ${m ? (100 * m.ap).toFixed(2) : '–'}`);
    }
    if (s.values.length) {
      const svg = renderDegradationChart(
        [
          { name: `${base.which_model_netD} (${mode})`, x: s.values, y: ys },
          {
            name: 'no degradation',
            x: [Math.min(...s.values), Math.max(...s.values)],
            y: [cleanAp, cleanAp],
            dashed: true,
          },
        ],
        {
          title: `${base.dataset_name}: AP (real positive) vs ${s.name}`,
          xLabel: s.name,
          yLabel: 'AP',
        },
      );
      writeFileSync(join(outDir, `ap_vs_${s.param}.svg`), svg);
      writeFileSync(join(outDir, `ap_vs_${s.param}.png`), svgToPng(svg));
    }
  }
  writeFileSync(join(outDir, 'robustness.csv'), `${rows.map((r) => r.join(',')).join('\n')}\n`);
  const md = [
    `| ${rows[0].join(' | ')} |`,
    `| ${rows[0].map(() => '---').join(' | ')} |`,
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ];
  writeFileSync(join(outDir, 'robustness.md'), `${md.join('\n')}\n`);
  say(`\n${md.join('\n')}\n\nwritten to ${outDir}`);
}

runMain(
  withSmoke('robustness', main, {
    needs: 'run',
    args: (ws) => [...smokeTestArgs(ws), '--jpeg', '50', '--blur', '3', '--resize', '0.5'],
  }),
);
