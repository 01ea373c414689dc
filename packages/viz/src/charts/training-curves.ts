import { type ChartOptions, type LineSeries, lineChart } from './frame.js';

/** One logged scalar over training (a loss or an accuracy, train or val). */
export interface TrainingSeries {
  /** Legend text, e.g. `'loss_D'`, `'acc_D_raw_val'`. */
  readonly name: string;
  /** Steps or epochs. */
  readonly x: ArrayLike<number>;
  /** Values (NaN/missing values break the line). */
  readonly y: ArrayLike<number>;
  /** Line colour; default from the palette. */
  readonly color?: string;
  /**
   * Dashed line (e.g. for validation curves).
   * @defaultValue false
   */
  readonly dashed?: boolean;
  /**
   * Dot at every point (useful for per-epoch validation values).
   * @defaultValue false
   */
  readonly markers?: boolean;
}

/**
 * Renders training curves (several scalars over steps or epochs) as a self-contained SVG
 * string, sharing one y axis. Losses and accuracies have different scales; render them as two
 * charts when that matters.
 *
 * @param series - One or more curves.
 * @param options - Size, title, labels (default x "step", y "value"), domains, legend
 *   position (default below the plot).
 * @returns The `<svg>…</svg>` markup.
 * @throws If a series' arrays differ in length or an option is invalid.
 *
 * @example
 * ```ts doctest
 * import { renderTrainingCurves } from '@patchfx/viz';
 * const svg = renderTrainingCurves([
 *   { name: 'loss_D', x: [0, 100, 200], y: [0.69, 0.4, 0.3] },
 *   { name: 'acc_D_raw', x: [0, 100, 200], y: [0.5, 0.8, 0.9] },
 * ]);
 * (svg.match(/class="series"/g) ?? []).length; // => 2
 * ```
 */
export function renderTrainingCurves(
  series: readonly TrainingSeries[],
  options: ChartOptions = {},
): string {
  const lines: LineSeries[] = series.map((s) => ({ ...s }));
  return lineChart(lines, options, {
    label: 'training curves',
    xLabel: 'step',
    yLabel: 'value',
  });
}
