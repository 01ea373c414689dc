/**
 * The run report (`results/<name>/report.html`, written by evaluate, patches, segment): built
 * here from real result files in a temporary folder, as those programs leave them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { writeRunReport } from '@patchfx/example-common';

const temps: (() => void)[] = [];
afterEach(() => temps.splice(0).forEach((r) => r()));

function workspace() {
  const t = makeTempDir('patchfx-report-');
  temps.push(t.remove);
  const opt = {
    name: 'r',
    model: 'patch_discriminator',
    which_model_netD: 'xception_block2',
    fineSize: 128,
    results_dir: join(t.dir, 'results'),
    checkpoints_dir: join(t.dir, 'checkpoints'),
  };
  const evalDir = join(t.dir, 'results', 'r', 'test', 'epoch_bestval', 'ds');
  mkdirSync(evalDir, { recursive: true });
  return { dir: t.dir, opt, evalDir };
}

/** The `<section>` whose heading contains `title`. */
function section(html: string, title: string): string {
  const sections = html.split('<section').slice(1);
  const found = sections.filter((s) => s.includes(title));
  expect(found, `one section titled '${title}'`).toHaveLength(1);
  return found[0];
}

/** `[label, count]` of the top-patch bars of each histogram `<svg>` in a piece of HTML. */
function topBars(html: string): [string, number][][] {
  return html
    .split('<svg')
    .slice(1)
    .map((svg) =>
      [...svg.matchAll(/class="bar top" data-label="([^"]+)" data-count="(\d+)"/g)].map(
        (m) => [m[1], Number(m[2])] as [string, number],
      ),
    );
}

describe('run report', () => {
  test('face parts: the combined histogram and one per class (reals, fakes)', () => {
    const { opt, evalDir } = workspace();
    const clusters = join(evalDir, 'patches_top10', 'clusters');
    const write = (subset: string, counts: string, baseline: string) => {
      mkdirSync(join(clusters, `${subset}_clusters`), { recursive: true });
      writeFileSync(join(clusters, `${subset}_clusters`, 'counts.txt'), counts);
      writeFileSync(join(clusters, `${subset}_clusters`, 'baseline.txt'), baseline);
    };
    write('reals', '0: hair, 5 patches\n', '0: skin, 5 patches\n');
    write('fakes', '0: mouth, 3 patches\n1: hair, 1 patches\n', '0: skin, 4 patches\n');
    const html = readFileSync(writeRunReport(opt), 'utf8');
    const parts = section(html, 'Face parts of the most predictive patches');
    const bars = topBars(parts);
    expect(bars).toHaveLength(3);
    expect(bars[0]).toEqual([
      ['hair', 6],
      ['mouth', 3],
      ['skin', 0],
    ]);
    expect(bars[1]).toEqual([
      ['hair', 5],
      ['skin', 0],
    ]);
    expect(bars[2]).toEqual([
      ['mouth', 3],
      ['hair', 1],
      ['skin', 0],
    ]);
    const titles = [...parts.matchAll(/<svg[^>]*aria-label="([^"]*)"/g)].map((m) => m[1]);
    expect(titles).toEqual(['reals + fakes (9 images)', 'reals (5 images)', 'fakes (4 images)']);
  });

  test('legends of the training and PR charts lie below their plot areas', () => {
    const { dir, opt, evalDir } = workspace();
    mkdirSync(join(dir, 'checkpoints', 'r'), { recursive: true });
    const log = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ event: 'step', step: i + 1, loss_D: 0.7 - i / 40, acc_D_raw: 0.5 + i / 40 }),
    );
    log.push(
      JSON.stringify({
        event: 'epoch',
        step: 20,
        loss_D_val: 0.3,
        acc_D_raw_val: 0.9,
        acc_D_voted_val: 1,
        acc_D_avg_val: 0.95,
      }),
    );
    writeFileSync(join(dir, 'checkpoints', 'r', 'log.jsonl'), `${log.join('\n')}\n`);
    writeFileSync(
      join(evalDir, 'metrics_voted.json'),
      JSON.stringify({
        ap: 0.9,
        ap_fake: 0.8,
        acc: 0.7,
        n: 4,
        precision: [0.5, 1, 1],
        recall: [1, 0.5, 0],
      }),
    );
    const html = readFileSync(writeRunReport(opt), 'utf8');
    const svgs = html.split('<svg').slice(1);
    expect(svgs.length).toBe(3); // loss, accuracy, PR
    for (const svg of svgs) {
      const frame = svg.match(
        /<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="none" stroke="#333333"/,
      )!;
      const legend = svg.match(/<g class="legend"><rect x="[\d.]+" y="([\d.]+)"/)!;
      expect(Number(legend[1])).toBeGreaterThanOrEqual(Number(frame[1]) + Number(frame[2]));
    }
  });
});
