import { describe, expect, test } from 'vitest';
import {
  combinePartCounts,
  renderDegradationChart,
  renderPartHistogram,
  renderPrCurve,
  renderRocCurve,
  renderTrainingCurves,
} from '@patchfx/viz';
import { checkXml } from './helpers/xml.js';

const EVIL = `</text><script>alert(1)</script><text a="&'`;

/** Numbers of one attribute over all elements of a kind. */
const attrs = (svg: string, element: string, attr: string) =>
  [...svg.matchAll(new RegExp(`<${element}\\b[^>]*\\s${attr}="([^"]*)"`, 'g'))].map((m) => m[1]);

describe('renderPrCurve', () => {
  const svg = renderPrCurve(
    [
      { name: 'vote', precision: [0.5, 0.8, 1, 1], recall: [1, 0.75, 0.25, 0], ap: 0.8 },
      { name: EVIL, precision: [0.5, 1], recall: [1, 0] },
    ],
    { title: 'gp1 xception_block2' },
  );

  test('is well-formed, self-contained SVG with a viewBox and title', () => {
    const names = checkXml(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 480 360"/);
    expect(names).not.toContain('script');
    expect(names).not.toContain('style');
    expect(svg).not.toMatch(/href=|url\((?!#)/);
    expect(svg).toContain('<title>gp1 xception_block2</title>');
  });

  test('axes are [0, 1] with labels "recall" and "precision" and 0.2 ticks', () => {
    expect(svg).toContain('>recall</text>');
    expect(svg).toContain('>precision</text>');
    for (const t of ['0', '0.2', '0.4', '0.6', '0.8', '1']) expect(svg).toContain(`>${t}</text>`);
  });

  test('points map into the plot box: recall 0 → left edge, precision 1 → top edge', () => {
    const path = attrs(svg, 'path', 'd')[0];
    const pts = [...path.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(pts).toHaveLength(4);
    const frame = svg.match(
      /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/,
    )!;
    const [left, top, w, h] = frame.slice(1).map(Number);
    expect(pts[0]).toEqual([left + w, top + h / 2]); // (recall 1, precision 0.5)
    expect(pts[3]).toEqual([left, top]); // (recall 0, precision 1)
  });

  test('the legend shows AP and escapes hostile names', () => {
    expect(svg).toContain('>vote (AP 0.800)</text>');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain(
      '&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;text a=&quot;&amp;&#39;',
    );
  });

  test('mismatched arrays and bad options are reported', () => {
    expect(() => renderPrCurve({ name: 'x', precision: [1, 0.5], recall: [0] })).toThrow(
      "series 'x' has 1 x values but 2 y values",
    );
    expect(() => renderPrCurve([], { width: 10 })).toThrow('width must be a number ≥ 120, got 10');
    expect(() => renderPrCurve([], { legend: 'middle' as 'none' })).toThrow(
      "legend must be one of 'top-right'",
    );
    expect(() => renderPrCurve([], { xDomain: [1, 0] })).toThrow(
      'xDomain must be [min, max] with finite min < max',
    );
  });

  test('an empty chart still renders axes; output is deterministic', () => {
    const empty = renderPrCurve([]);
    checkXml(empty);
    expect(empty).toContain('>recall</text>');
    expect(renderPrCurve([])).toBe(empty);
  });
});

describe('renderRocCurve', () => {
  test('has the chance diagonal and rate labels', () => {
    const svg = renderRocCurve({ name: 'a', fpr: [0, 0.1, 1], tpr: [0, 0.9, 1], auc: 0.9 });
    checkXml(svg);
    expect(svg).toContain('>false positive rate</text>');
    expect(svg).toContain('>true positive rate</text>');
    expect(svg).toContain('stroke-dasharray="4 4"');
    expect(svg).toContain('>a (AUC 0.900)</text>');
  });
});

describe('renderDegradationChart', () => {
  test('one marked line per series over a data-driven x axis', () => {
    const svg = renderDegradationChart(
      [
        { name: 'block2 vote', x: [100, 90, 80, 70], y: [0.99, 0.97, 0.9, 0.85] },
        {
          name: 'block2 after softmax',
          x: [100, 90, 80, 70],
          y: [0.99, 0.98, 0.95, 0.9],
          dashed: true,
        },
      ],
      { xLabel: 'JPEG quality', yDomain: [0.8, 1] },
    );
    checkXml(svg);
    expect(attrs(svg, 'path', 'class').filter((c) => c === 'series')).toHaveLength(2);
    expect(attrs(svg, 'circle', 'r')).toHaveLength(8);
    expect(svg).toContain('>JPEG quality</text>');
    expect(svg).toContain('>AP</text>');
    for (const t of ['70', '100']) expect(svg).toContain(`>${t}</text>`);
  });
});

describe('renderTrainingCurves', () => {
  test('NaN breaks a line into segments; the y axis covers the data', () => {
    const svg = renderTrainingCurves([
      { name: 'loss_D', x: [0, 100, 200, 300], y: [0.7, Number.NaN, 0.35, 0.2] },
      { name: 'acc_D_raw_val', x: [0, 300], y: [0.5, 0.93], dashed: true, markers: true },
    ]);
    checkXml(svg);
    const d = attrs(svg, 'path', 'd')[0];
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg).toContain('>step</text>');
    expect(svg).toContain('>loss_D</text>');
    expect(svg).toContain('>acc_D_raw_val</text>');
    const yTicks = [
      ...svg.matchAll(/text-anchor="end" dominant-baseline="middle"[^>]*>([\d.]+)</g),
    ].map((m) => Number(m[1]));
    expect(Math.min(...yTicks)).toBeLessThanOrEqual(0.2);
    expect(Math.max(...yTicks)).toBeGreaterThanOrEqual(0.93);
  });
});

describe('part histogram', () => {
  test('combinePartCounts sums reals + fakes, sorts by top count, asserts equal totals', () => {
    const rows = combinePartCounts(
      [
        { mouth: 5, skin: 2 },
        { eye: 7, mouth: 1 },
      ],
      [{ skin: 10 }, { hair: 4, eye: 1 }],
    );
    expect(rows).toEqual([
      { label: 'eye', top: 7, random: 1 },
      { label: 'mouth', top: 6, random: 0 },
      { label: 'skin', top: 2, random: 10 },
      { label: 'hair', top: 0, random: 4 },
    ]);
    expect(() => combinePartCounts([{ a: 1 }], [{ a: 2 }])).toThrow(
      'top-patch total 1 differs from random-patch total 2',
    );
  });

  test('paired bars, sorted descending, random bars half transparent, labels escaped', () => {
    const svg = renderPartHistogram(
      [
        { label: 'skin', top: 3, random: 40 },
        { label: 'eye<b>', top: 30, random: 5 },
        { label: 'mouth', top: 12, random: 6 },
      ],
      { title: 'celebahq-pgan' },
    );
    checkXml(svg);
    const labels = attrs(svg, 'rect', 'data-label');
    expect(labels).toEqual(['eye&lt;b&gt;', 'eye&lt;b&gt;', 'mouth', 'mouth', 'skin', 'skin']);
    expect(attrs(svg, 'rect', 'data-count').map(Number)).toEqual([30, 5, 12, 6, 3, 40]);
    const heights = attrs(svg, 'rect', 'height');
    const bars = [
      ...svg.matchAll(
        /<rect class="bar (top|random)"[^>]*height="([\d.]+)" fill="[^"]+" fill-opacity="([\d.]+)"/g,
      ),
    ];
    expect(bars.map((b) => b[1])).toEqual(['top', 'random', 'top', 'random', 'top', 'random']);
    expect(bars.map((b) => b[3])).toEqual(['1', '0.5', '1', '0.5', '1', '0.5']);
    expect(Number(bars[5][2])).toBeGreaterThan(Number(bars[0][2])); // 40 > 30
    expect(heights.length).toBeGreaterThan(6);
    expect(svg).toContain('>top patch</text>');
    expect(svg).toContain('>random patch</text>');
    expect(svg).toContain('>count</text>');
  });

  test('rejects negative counts', () => {
    expect(() => renderPartHistogram([{ label: 'x', top: -1, random: 0 }])).toThrow(
      "counts[0] ('x') must have finite, non-negative top and random counts",
    );
  });
});
