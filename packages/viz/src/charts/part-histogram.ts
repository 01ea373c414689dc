import { escapeXml } from '../internal/escape.js';
import {
  axes,
  CHART_PALETTE,
  type ChartOptions,
  chartSize,
  checkDomain,
  fmt,
  legend,
  legendBand,
  makeFrame,
  niceDomain,
  niceTicks,
  svgOpen,
} from './frame.js';

/** Patch counts of one face part (cluster). */
export interface PartCount {
  /** Cluster label, e.g. `'mouth'`. */
  readonly label: string;
  /** Number of images whose most predictive patch falls in this part. */
  readonly top: number;
  /** Number of images whose random baseline patch falls in this part. */
  readonly random: number;
}

/**
 * Sums top-patch and random-patch counts over subsets (the histogram notebook adds reals and
 * fakes) and sorts the parts by top-patch count, descending (ties by label).
 *
 * @param top - Top-patch counts per subset (e.g. `parseClusterCounts` of `@patchfx/segment` on
 *   the `counts.txt` of reals and of fakes).
 * @param random - Random-patch counts per subset (`baseline.txt`).
 * @returns One row per label present in either.
 * @throws If the totals differ (every image contributes one top and one random patch; the
 *   notebook asserts this too).
 *
 * @example
 * ```ts doctest
 * import { combinePartCounts } from '@patchfx/viz';
 * const rows = combinePartCounts([{ eye: 2, skin: 1 }, { eye: 1 }], [{ skin: 3 }, { eye: 1 }]);
 * rows.map((r) => `${r.label} ${r.top}/${r.random}`); // => ['eye 3/1', 'skin 1/3']
 * ```
 */
export function combinePartCounts(
  top: readonly Readonly<Record<string, number>>[],
  random: readonly Readonly<Record<string, number>>[],
): PartCount[] {
  const sum = (list: readonly Readonly<Record<string, number>>[]) => {
    const acc = new Map<string, number>();
    for (const counts of list) {
      for (const [k, v] of Object.entries(counts)) acc.set(k, (acc.get(k) ?? 0) + v);
    }
    return acc;
  };
  const t = sum(top);
  const r = sum(random);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  if (total(t) !== total(r)) {
    throw new Error(`top-patch total ${total(t)} differs from random-patch total ${total(r)}`);
  }
  const labels = [...new Set([...t.keys(), ...r.keys()])];
  return labels
    .map((label) => ({ label, top: t.get(label) ?? 0, random: r.get(label) ?? 0 }))
    .sort((a, b) => b.top - a.top || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** Options for {@link renderPartHistogram}. */
export interface PartHistogramOptions extends ChartOptions {
  /**
   * Sort parts by top-patch count, descending (as the notebook); `false` keeps the given order.
   * @defaultValue true
   */
  readonly sort?: boolean;
}

/**
 * Renders the part histogram of the histograms notebook (spec §7.3) as a self-contained SVG
 * string: per face part, paired bars "top patch" (solid) and "random patch" (half
 * transparent), parts sorted by top-patch count descending, vertical part labels, y label
 * "count", light grid.
 *
 * @param counts - One row per part (see {@link combinePartCounts}).
 * @param options - Size (default 640×360), title, y label, y domain, legend position
 *   (default below the plot), sorting.
 * @returns The `<svg>…</svg>` markup.
 * @throws If a count is negative or not finite, or an option is invalid.
 *
 * @example
 * ```ts doctest
 * import { renderPartHistogram } from '@patchfx/viz';
 * const svg = renderPartHistogram([
 *   { label: 'skin', top: 10, random: 40 },
 *   { label: 'eye', top: 25, random: 5 },
 * ]);
 * svg.indexOf('>eye<') < svg.indexOf('>skin<'); // => true
 * (svg.match(/class="bar /g) ?? []).length; // => 4
 * ```
 */
export function renderPartHistogram(
  counts: readonly PartCount[],
  options: PartHistogramOptions = {},
): string {
  const { width, height } = chartSize({ width: 640, ...options });
  checkDomain(options.yDomain, 'yDomain');
  counts.forEach((c, i) => {
    if (!(Number.isFinite(c.top) && c.top >= 0 && Number.isFinite(c.random) && c.random >= 0)) {
      throw new Error(
        `counts[${i}] ('${c.label}') must have finite, non-negative top and random counts`,
      );
    }
  });
  const rows =
    options.sort === false
      ? [...counts]
      : [...counts].sort(
          (a, b) => b.top - a.top || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
        );
  const maxCount = Math.max(0, ...rows.flatMap((r) => [r.top, r.random]));
  const yDomain = options.yDomain ?? niceDomain([0, maxCount === 0 ? 1 : maxCount]);
  const longest = Math.max(1, ...rows.map((r) => Array.from(r.label).length));
  const top = options.title ? 32 : 14;
  const colorTop = CHART_PALETTE[0];
  const colorRandom = CHART_PALETTE[1];
  const entries = [
    { name: 'top patch', color: colorTop, kind: 'box' as const },
    { name: 'random patch', color: colorRandom, kind: 'box' as const, opacity: 0.5 },
  ];
  const position = options.legend ?? 'below';
  const band = legendBand(entries, position, width - 58 - 16);
  const bottom = Math.min(height / 2, 30 + longest * 6.6) + band;
  const f = makeFrame(width, height, [0, Math.max(1, rows.length)], yDomain, {
    top,
    right: 16,
    bottom,
    left: 58,
  });
  const slot = (f.right - f.left) / Math.max(1, rows.length);
  const barWidth = slot * 0.38;
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const x0 = f.left + slot * i + slot / 2;
    const bar = (value: number, x: number, color: string, opacity: number, cls: string) => {
      const y = f.sy(Math.min(value, yDomain[1]));
      parts.push(
        `<rect class="bar ${cls}" data-label="${escapeXml(r.label)}" data-count="${value}" x="${fmt(x)}" y="${fmt(y)}" width="${fmt(barWidth)}" height="${fmt(Math.max(0, f.bottom - y))}" fill="${color}" fill-opacity="${opacity}"><title>${escapeXml(`${r.label}: ${value} (${cls === 'top' ? 'top patch' : 'random patch'})`)}</title></rect>`,
      );
    };
    bar(r.top, x0 - barWidth, colorTop, 1, 'top');
    bar(r.random, x0, colorRandom, 0.5, 'random');
    const ly = f.bottom + 8;
    parts.push(
      `<text x="${fmt(x0)}" y="${fmt(ly)}" transform="rotate(-90 ${fmt(x0)} ${fmt(ly)})" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#333333" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">${escapeXml(r.label)}</text>`,
    );
  });
  return (
    svgOpen(width, height, options.title, 'part histogram') +
    axes(
      f,
      [],
      niceTicks(yDomain[0], yDomain[1]),
      { x: options.xLabel ?? '', y: options.yLabel ?? 'count', title: options.title },
      { xLabelY: f.height - 8 - band },
    ) +
    parts.join('') +
    legend(f, entries, position) +
    '</svg>'
  );
}
