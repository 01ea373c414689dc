import { describe, expect, test } from 'vitest';
import {
  renderDegradationChart,
  renderPartHistogram,
  renderPrCurve,
  renderRocCurve,
  renderTrainingCurves,
} from '@patchfx/viz';
import { checkXml } from './helpers/xml.js';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const box = (m: RegExpMatchArray): Box => {
  const [x, y, w, h] = m.slice(1, 5).map(Number);
  return { x, y, w, h };
};

/** The plot frame (the axes rectangle) and the legend box of a chart. */
function geometry(svg: string): { frame: Box; legend: Box; width: number; height: number } {
  const frame = svg.match(
    /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#333333"/,
  );
  const legend = svg.match(
    /<g class="legend"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/,
  );
  const size = svg.match(/viewBox="0 0 ([\d.]+) ([\d.]+)"/)!;
  expect(frame, 'plot frame').not.toBeNull();
  expect(legend, 'legend box').not.toBeNull();
  return {
    frame: box(frame!),
    legend: box(legend!),
    width: Number(size[1]),
    height: Number(size[2]),
  };
}

/** Curves through every corner of the unit square: any legend inside the plot would cover one. */
const corners = { x: [0, 1, 1, 0, 0.5], y: [1, 1, 0, 0, 0.5] };
const names = ['loss_D (train)', 'loss_D (val)', 'acc_D_raw (val)', 'acc_D_voted (val)'];

const charts: [string, string][] = [
  [
    'PR curves',
    renderPrCurve(
      names.map((name) => ({ name, precision: corners.y, recall: corners.x, ap: 0.5 })),
    ),
  ],
  ['ROC curve', renderRocCurve({ name: 'a', fpr: corners.x, tpr: corners.y, auc: 0.5 })],
  [
    'training curves',
    renderTrainingCurves(names.map((name) => ({ name, x: corners.x, y: corners.y }))),
  ],
  [
    'degradation chart',
    renderDegradationChart(names.map((name) => ({ name, x: corners.x, y: corners.y }))),
  ],
  [
    'part histogram',
    renderPartHistogram([
      { label: 'skin', top: 40, random: 40 },
      { label: 'background', top: 40, random: 40 },
    ]),
  ],
];

describe('chart legends stay off the plotted data', () => {
  for (const [what, svg] of charts) {
    test(`${what}: the legend lies below the plot area and inside the picture`, () => {
      checkXml(svg);
      const g = geometry(svg);
      expect(g.legend.y).toBeGreaterThanOrEqual(g.frame.y + g.frame.h);
      expect(g.legend.y + g.legend.h).toBeLessThanOrEqual(g.height);
      expect(g.legend.x).toBeGreaterThanOrEqual(0);
      expect(g.legend.x + g.legend.w).toBeLessThanOrEqual(g.width);
    });
  }

  test('long legends wrap onto more rows, and the x-axis label stays clear of them', () => {
    const many = Array.from({ length: 9 }, (_, i) => ({
      name: `series number ${i} with a long name`,
      x: corners.x,
      y: corners.y,
    }));
    const svg = renderTrainingCurves(many, { xLabel: 'batch' });
    const g = geometry(svg);
    const texts = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>series number/g)];
    expect(texts).toHaveLength(9);
    const rows = new Set(texts.map((t) => t[2]));
    expect(rows.size).toBeGreaterThan(1);
    for (const t of texts) {
      expect(Number(t[2])).toBeGreaterThan(g.legend.y);
      expect(Number(t[2])).toBeLessThan(g.legend.y + g.legend.h);
    }
    const xLabel = svg.match(/<text x="[\d.]+" y="([\d.]+)"[^>]*>batch<\/text>/)!;
    expect(Number(xLabel[1])).toBeGreaterThan(g.frame.y + g.frame.h);
    expect(Number(xLabel[1])).toBeLessThan(g.legend.y);
  });

  test("a corner legend is still available (legend: 'top-right')", () => {
    const g = geometry(
      renderPrCurve(
        { name: 'a', precision: [1, 0.5], recall: [0, 1] },
        {
          legend: 'top-right',
        },
      ),
    );
    expect(g.legend.y).toBeLessThan(g.frame.y + g.frame.h);
  });
});

describe('clip paths of charts on one page', () => {
  /** Each clipPath id of an SVG with the height of its rectangle. */
  const clips = (svg: string) =>
    [...svg.matchAll(/<clipPath id="([^"]+)"><rect [^>]*height="([\d.]+)"/g)].map((m) => ({
      id: m[1],
      height: Number(m[2]),
    }));

  test('same size, different legends: different clip rectangles get different ids', () => {
    // Ids are deterministic so that identical charts can share one; two charts whose legends
    // below the plot take different room must not (the page would clip one with the other's).
    const one = clips(
      renderPrCurve([{ name: 'a', precision: corners.y, recall: corners.x, ap: 1 }]),
    );
    const four = clips(
      renderPrCurve(
        names.map((name) => ({ name, precision: corners.y, recall: corners.x, ap: 0.5 })),
      ),
    );
    expect(one).toHaveLength(1);
    expect(four).toHaveLength(1);
    expect(one[0].height).not.toBe(four[0].height);
    expect(one[0].id).not.toBe(four[0].id);
    const again = clips(
      renderPrCurve([{ name: 'b', precision: corners.y, recall: corners.x, ap: 1 }]),
    );
    expect(again[0]).toEqual(one[0]);
  });
});
