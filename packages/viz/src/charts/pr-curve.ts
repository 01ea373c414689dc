import { type ChartOptions, lineChart } from './frame.js';

/** One precision-recall curve, as `precision_recall_curve` returns it. */
export interface PrCurveSeries {
  /** Legend text (a model or aggregation mode). */
  readonly name: string;
  /** Precision per threshold. */
  readonly precision: ArrayLike<number>;
  /** Recall per threshold (same length). */
  readonly recall: ArrayLike<number>;
  /** Average precision, appended to the legend as `(AP 0.934)` when given. */
  readonly ap?: number;
  /** Line colour; default from the palette. */
  readonly color?: string;
}

/**
 * Renders precision-recall curves as a self-contained SVG string, like the reference's
 * `metrics_*.pdf` (spec §4.3): recall on x, precision on y, both axes [0, 1], labels
 * "recall" and "precision". Text is escaped; no scripts, no external resources.
 *
 * @param curves - One or more curves.
 * @param options - Size, title, labels, domains, legend position (default below the plot).
 * @returns The `<svg>…</svg>` markup.
 * @throws If a curve's arrays differ in length or an option is invalid.
 *
 * @example
 * ```ts doctest
 * import { renderPrCurve } from '@patchfx/viz';
 * const svg = renderPrCurve([{ name: 'avg <after> softmax', precision: [0.5, 1, 1], recall: [1, 0.5, 0], ap: 0.75 }]);
 * svg.startsWith('<svg'); // => true
 * svg.includes('avg &lt;after&gt; softmax (AP 0.750)'); // => true
 * ```
 */
export function renderPrCurve(
  curves: PrCurveSeries | readonly PrCurveSeries[],
  options: ChartOptions = {},
): string {
  const list = Array.isArray(curves) ? curves : [curves as PrCurveSeries];
  return lineChart(
    list.map((c) => ({
      name: c.ap === undefined ? c.name : `${c.name} (AP ${c.ap.toFixed(3)})`,
      x: c.recall,
      y: c.precision,
      color: c.color,
    })),
    options,
    {
      label: 'precision-recall curve',
      xLabel: 'recall',
      yLabel: 'precision',
      xDomain: [0, 1],
      yDomain: [0, 1],
    },
  );
}
