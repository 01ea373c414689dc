import { escapeXml } from '../internal/escape.js';

/** Options shared by every chart. */
export interface ChartOptions {
  /**
   * Width of the SVG in CSS pixels (the viewBox uses the same units).
   * @defaultValue 480
   */
  readonly width?: number;
  /**
   * Height of the SVG in CSS pixels.
   * @defaultValue 360
   */
  readonly height?: number;
  /** Title above the plot; none by default. */
  readonly title?: string;
  /** x-axis label (each chart has its own default). */
  readonly xLabel?: string;
  /** y-axis label (each chart has its own default). */
  readonly yLabel?: string;
  /** Fixed x range `[min, max]`; default from the data (or [0, 1] for PR/ROC). */
  readonly xDomain?: readonly [number, number];
  /** Fixed y range `[min, max]`; default from the data (or [0, 1] for PR/ROC). */
  readonly yDomain?: readonly [number, number];
  /**
   * Where the legend goes: `'below'` the plot area (never over the data), in a corner of the
   * plot area, or `'none'`.
   * @defaultValue `'below'`
   */
  readonly legend?: LegendPosition;
}

/**
 * Legend placements: `'below'` the plot area, in rows that wrap (the default: it never covers
 * the data), or in a corner of the plot area (over whatever is plotted there).
 */
export const LEGEND_POSITIONS = Object.freeze([
  'top-right',
  'top-left',
  'bottom-right',
  'bottom-left',
  'below',
  'none',
] as const);

/** One of {@link LEGEND_POSITIONS}. */
export type LegendPosition = (typeof LEGEND_POSITIONS)[number];

/** One line of a line chart. */
export interface LineSeries {
  /** Legend text. */
  readonly name: string;
  /** x coordinates. */
  readonly x: ArrayLike<number>;
  /** y coordinates (same length as `x`); non-finite points break the line. */
  readonly y: ArrayLike<number>;
  /** Stroke colour (any CSS colour); default from the palette. */
  readonly color?: string;
  /**
   * Dashed line.
   * @defaultValue false
   */
  readonly dashed?: boolean;
  /**
   * Draw a dot at every point.
   * @defaultValue false
   */
  readonly markers?: boolean;
}

/** Series colours, in order. */
export const CHART_PALETTE = Object.freeze([
  '#3b6fb6',
  '#e07b39',
  '#4a9c5d',
  '#c44e52',
  '#8067a8',
  '#8c6d46',
  '#d17ab3',
  '#6f6f6f',
  '#b5a642',
  '#4fb0c6',
] as const);

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Rounds a coordinate to 2 decimals for compact SVG. */
export const fmt = (v: number): string => String(Math.round(v * 100) / 100);

/** "Nice" tick values (1, 2, 2.5 or 5 × 10^k) covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++)
    ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Formats a tick value without float noise (`0.30000000000000004` → `0.3`). */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(6)));
}

/** [min, max] of the finite values, or undefined when there are none. */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Widens a degenerate or missing range so it can be drawn, then snaps it to nice ticks. */
export function niceDomain(range: [number, number] | undefined): [number, number] {
  if (!range) return [0, 1];
  let [lo, hi] = range;
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const ticks = niceTicks(lo, hi);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** Checks a user-given domain. */
export function checkDomain(d: readonly [number, number] | undefined, what: string): void {
  if (d && !(Number.isFinite(d[0]) && Number.isFinite(d[1]) && d[1] > d[0])) {
    throw new Error(`${what} must be [min, max] with finite min < max, got [${d.join(', ')}]`);
  }
}

/** The plot rectangle and the data → pixel mappings of a chart. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly sx: (v: number) => number;
  readonly sy: (v: number) => number;
}

/** Builds the frame for given domains and margins. */
export function makeFrame(
  width: number,
  height: number,
  xDomain: readonly [number, number],
  yDomain: readonly [number, number],
  margin: { top: number; right: number; bottom: number; left: number },
): Frame {
  const left = margin.left;
  const right = width - margin.right;
  const top = margin.top;
  const bottom = height - margin.bottom;
  const [x0, x1] = xDomain;
  const [y0, y1] = yDomain;
  return {
    width,
    height,
    left,
    top,
    right,
    bottom,
    sx: (v) => left + ((v - x0) / (x1 - x0)) * (right - left),
    sy: (v) => bottom - ((v - y0) / (y1 - y0)) * (bottom - top),
  };
}

/** Checks and reads the size options. */
export function chartSize(options: ChartOptions): { width: number; height: number } {
  const width = options.width ?? 480;
  const height = options.height ?? 360;
  for (const [v, what] of [
    [width, 'width'],
    [height, 'height'],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 120))
      throw new Error(`${what} must be a number ≥ 120, got ${v}`);
  }
  if (options.legend !== undefined && !LEGEND_POSITIONS.includes(options.legend)) {
    throw new Error(
      `legend must be one of ${LEGEND_POSITIONS.map((p) => `'${p}'`).join(' | ')}, got '${String(options.legend)}'`,
    );
  }
  return { width, height };
}

/** Opening `<svg>` (with `<title>`) and a white background. */
export function svgOpen(
  width: number,
  height: number,
  title: string | undefined,
  label: string,
): string {
  const name = escapeXml(title ?? label);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fmt(width)} ${fmt(height)}" width="${fmt(width)}" height="${fmt(height)}" role="img" aria-label="${name}">` +
    `<title>${name}</title>` +
    `<rect x="0" y="0" width="${fmt(width)}" height="${fmt(height)}" fill="#ffffff"/>`
  );
}

/** Gridlines, axes, ticks, tick labels, axis labels and title. */
export function axes(
  f: Frame,
  xTicks: readonly number[],
  yTicks: readonly number[],
  labels: { x: string; y: string; title?: string },
  options: { xTickLabels?: boolean; xLabelY?: number } = {},
): string {
  const parts: string[] = [];
  for (const t of yTicks) {
    const y = fmt(f.sy(t));
    parts.push(
      `<line x1="${fmt(f.left)}" x2="${fmt(f.right)}" y1="${y}" y2="${y}" stroke="#e6e6e6" stroke-width="1"/>`,
    );
    parts.push(
      `<line x1="${fmt(f.left - 5)}" x2="${fmt(f.left)}" y1="${y}" y2="${y}" stroke="#333333" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${fmt(f.left - 8)}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#333333" ${FONT}>${escapeXml(tickLabel(t))}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = fmt(f.sx(t));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${fmt(f.top)}" y2="${fmt(f.bottom)}" stroke="#e6e6e6" stroke-width="1"/>`,
    );
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${fmt(f.bottom)}" y2="${fmt(f.bottom + 5)}" stroke="#333333" stroke-width="1"/>`,
    );
    if (options.xTickLabels !== false) {
      parts.push(
        `<text x="${x}" y="${fmt(f.bottom + 18)}" text-anchor="middle" font-size="11" fill="#333333" ${FONT}>${escapeXml(tickLabel(t))}</text>`,
      );
    }
  }
  parts.push(
    `<rect x="${fmt(f.left)}" y="${fmt(f.top)}" width="${fmt(f.right - f.left)}" height="${fmt(f.bottom - f.top)}" fill="none" stroke="#333333" stroke-width="1"/>`,
  );
  parts.push(
    `<text x="${fmt((f.left + f.right) / 2)}" y="${fmt(options.xLabelY ?? f.height - 8)}" text-anchor="middle" font-size="13" fill="#222222" ${FONT}>${escapeXml(labels.x)}</text>`,
  );
  const cy = fmt((f.top + f.bottom) / 2);
  parts.push(
    `<text x="14" y="${cy}" transform="rotate(-90 14 ${cy})" text-anchor="middle" dominant-baseline="middle" font-size="13" fill="#222222" ${FONT}>${escapeXml(labels.y)}</text>`,
  );
  if (labels.title) {
    parts.push(
      `<text x="${fmt(f.width / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600" fill="#222222" ${FONT}>${escapeXml(labels.title)}</text>`,
    );
  }
  return parts.join('');
}

/** One legend entry: a swatch (line or box) and its text. */
export interface LegendEntry {
  readonly name: string;
  readonly color: string;
  readonly kind: 'line' | 'box';
  readonly dashed?: boolean;
  readonly opacity?: number;
}

const LEGEND_LINE = 16;
/** Width of one legend entry: swatch, gap, text (6.4 px a character at 11 px), spacing. */
const entryWidth = (e: LegendEntry) => 30 + Array.from(e.name).length * 6.4 + 14;

/** Row and x offset of each entry of a `'below'` legend laid out in rows of at most `width`. */
function belowRows(entries: readonly LegendEntry[], width: number) {
  let row = 0;
  let x = 0;
  const at = entries.map((e) => {
    const w = entryWidth(e);
    if (x > 0 && x + w > width) {
      row++;
      x = 0;
    }
    const pos = { row, dx: x };
    x += w;
    return pos;
  });
  return { at, rows: entries.length ? row + 1 : 0 };
}

/**
 * Height a `'below'` legend takes under the x-axis label (0 for other positions): charts add
 * it to their bottom margin.
 *
 * @param plotWidth - Width of the plot area the legend rows span.
 */
export function legendBand(
  entries: readonly LegendEntry[],
  position: LegendPosition,
  plotWidth: number,
): number {
  if (position !== 'below' || entries.length === 0) return 0;
  return belowRows(entries, plotWidth - 12).rows * LEGEND_LINE + 8 + 10;
}

/**
 * A legend box: `'below'` the plot area (rows across the plot width, at the bottom of the
 * picture, inside the band {@link legendBand} reserved), or in one corner of the plot area.
 */
export function legend(
  f: Frame,
  entries: readonly LegendEntry[],
  position: LegendPosition,
): string {
  if (position === 'none' || entries.length === 0) return '';
  const lineHeight = LEGEND_LINE;
  let x: number;
  let y: number;
  let w: number;
  let h: number;
  let place: (i: number) => { ex: number; cy: number };
  if (position === 'below') {
    const { at, rows } = belowRows(entries, f.right - f.left - 12);
    w = f.right - f.left;
    h = rows * lineHeight + 8;
    x = f.left;
    y = f.height - 4 - h;
    place = (i) => ({ ex: x + at[i].dx, cy: y + 4 + lineHeight * at[i].row + lineHeight / 2 });
  } else {
    const textWidth = Math.max(...entries.map((e) => Array.from(e.name).length)) * 6.4;
    w = Math.min(f.right - f.left - 8, 30 + textWidth + 8);
    h = entries.length * lineHeight + 8;
    x = position.endsWith('left') ? f.left + 8 : f.right - 8 - w;
    y = position.startsWith('top') ? f.top + 8 : f.bottom - 8 - h;
    place = (i) => ({ ex: x, cy: y + 4 + lineHeight * i + lineHeight / 2 });
  }
  const parts = [
    `<g class="legend"><rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc" stroke-width="1"/>`,
  ];
  entries.forEach((e, i) => {
    const { ex, cy } = place(i);
    const color = escapeXml(e.color);
    if (e.kind === 'line') {
      parts.push(
        `<line x1="${fmt(ex + 6)}" x2="${fmt(ex + 24)}" y1="${fmt(cy)}" y2="${fmt(cy)}" stroke="${color}" stroke-width="2"${e.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
    } else {
      parts.push(
        `<rect x="${fmt(ex + 8)}" y="${fmt(cy - 5)}" width="14" height="10" fill="${color}" fill-opacity="${e.opacity ?? 1}"/>`,
      );
    }
    parts.push(
      `<text x="${fmt(ex + 30)}" y="${fmt(cy)}" dominant-baseline="middle" font-size="11" fill="#222222" ${FONT}>${escapeXml(e.name)}</text>`,
    );
  });
  parts.push('</g>');
  return parts.join('');
}

/** Renders series as SVG paths (non-finite points break the line; points are not clipped). */
export function seriesPaths(f: Frame, series: readonly LineSeries[]): string {
  const parts: string[] = [];
  series.forEach((s, k) => {
    if (s.x.length !== s.y.length) {
      throw new Error(`series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    }
    const color = escapeXml(s.color ?? CHART_PALETTE[k % CHART_PALETTE.length]);
    let d = '';
    let pen = false;
    const dots: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${fmt(f.sx(x))} ${fmt(f.sy(y))}`;
      pen = true;
      if (s.markers)
        dots.push(`<circle cx="${fmt(f.sx(x))}" cy="${fmt(f.sy(y))}" r="3" fill="${color}"/>`);
    }
    parts.push(
      `<path class="series" data-name="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    parts.push(...dots);
  });
  return parts.join('');
}

/** A complete line chart: the shared body of PR, ROC, degradation and training charts. */
export function lineChart(
  series: readonly LineSeries[],
  options: ChartOptions,
  defaults: {
    label: string;
    xLabel: string;
    yLabel: string;
    xDomain?: readonly [number, number];
    yDomain?: readonly [number, number];
    extra?: (f: Frame) => string;
  },
): string {
  const { width, height } = chartSize(options);
  checkDomain(options.xDomain, 'xDomain');
  checkDomain(options.yDomain, 'yDomain');
  const xDomain =
    options.xDomain ??
    defaults.xDomain ??
    niceDomain(extent(series.flatMap((s) => Array.from(s.x))));
  const yDomain =
    options.yDomain ??
    defaults.yDomain ??
    niceDomain(extent(series.flatMap((s) => Array.from(s.y))));
  const top = options.title ? 32 : 14;
  const position = options.legend ?? 'below';
  const entries = series.map((s, k) => ({
    name: s.name,
    color: s.color ?? CHART_PALETTE[k % CHART_PALETTE.length],
    kind: 'line' as const,
    dashed: s.dashed,
  }));
  const band = legendBand(entries, position, width - 58 - 24);
  if (height - top - 46 - band < 40)
    throw new Error(
      `height ${height} leaves no room for the plot and a legend of ${series.length} entries below it; give a larger height or another legend position`,
    );
  const f = makeFrame(width, height, xDomain, yDomain, {
    top,
    right: 24,
    bottom: 46 + band,
    left: 58,
  });
  // Same clip rectangle → same id, so a deterministic id can be shared safely (the rectangle
  // itself is hashed: a legend band below the plot moves its bottom edge).
  const clipId = `pfx-clip-${hashString(`${f.left},${f.top},${f.right},${f.bottom},${xDomain},${yDomain}`)}`;
  return (
    svgOpen(width, height, options.title, defaults.label) +
    axes(
      f,
      niceTicks(xDomain[0], xDomain[1]),
      niceTicks(yDomain[0], yDomain[1]),
      {
        x: options.xLabel ?? defaults.xLabel,
        y: options.yLabel ?? defaults.yLabel,
        title: options.title,
      },
      { xLabelY: f.bottom + 38 },
    ) +
    `<clipPath id="${clipId}"><rect x="${fmt(f.left)}" y="${fmt(f.top)}" width="${fmt(f.right - f.left)}" height="${fmt(f.bottom - f.top)}"/></clipPath>` +
    `<g clip-path="url(#${clipId})">` +
    (defaults.extra?.(f) ?? '') +
    seriesPaths(f, series) +
    '</g>' +
    legend(f, entries, position) +
    '</svg>'
  );
}

/** FNV-1a hash of a string, as 8 hex digits. */
function hashString(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
