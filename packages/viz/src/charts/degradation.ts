import { type ChartOptions, type LineSeries, lineChart } from './frame.js';

/** One line of a metric-vs-degradation chart (one model, or one model × aggregation mode). */
export interface DegradationSeries {
  /** Legend text, e.g. `'xception block2 (avg after softmax)'`. */
  readonly name: string;
  /** Degradation parameter values (JPEG quality, blur σ, gamma…), ascending or not. */
  readonly x: ArrayLike<number>;
  /** The metric at each parameter value (AP, accuracy…). */
  readonly y: ArrayLike<number>;
  /** Line colour; default from the palette. */
  readonly color?: string;
  /**
   * Dashed line (e.g. for a second aggregation mode of the same model).
   * @defaultValue false
   */
  readonly dashed?: boolean;
}

/**
 * Renders a metric against a degradation parameter (robustness to JPEG, blur, gamma…) as a
 * self-contained SVG string: one line with point markers per series. The y axis defaults to
 * the data range snapped to nice ticks; pass `yDomain: [0, 1]` for AP.
 *
 * @param series - One or more lines.
 * @param options - Size, title, labels (default x "degradation", y "AP"), domains, legend
 *   position (default below the plot).
 * @returns The `<svg>…</svg>` markup.
 * @throws If a series' arrays differ in length or an option is invalid.
 *
 * @example
 * ```ts doctest
 * import { renderDegradationChart } from '@patchfx/viz';
 * const svg = renderDegradationChart(
 *   [{ name: 'block2', x: [100, 90, 75], y: [0.99, 0.95, 0.8] }],
 *   { xLabel: 'JPEG quality', yDomain: [0, 1] },
 * );
 * svg.includes('JPEG quality'); // => true
 * (svg.match(/<circle/g) ?? []).length; // => 3
 * ```
 */
export function renderDegradationChart(
  series: readonly DegradationSeries[],
  options: ChartOptions = {},
): string {
  const lines: LineSeries[] = series.map((s) => ({ ...s, markers: true }));
  return lineChart(lines, options, {
    label: 'metric vs degradation',
    xLabel: 'degradation',
    yLabel: 'AP',
  });
}
