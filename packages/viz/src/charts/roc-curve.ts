import { type ChartOptions, fmt, lineChart } from './frame.js';

/** One ROC curve. */
export interface RocCurveSeries {
  /** Legend text. */
  readonly name: string;
  /** False-positive rate per threshold. */
  readonly fpr: ArrayLike<number>;
  /** True-positive rate per threshold (same length). */
  readonly tpr: ArrayLike<number>;
  /** Area under the curve, appended to the legend as `(AUC 0.912)` when given. */
  readonly auc?: number;
  /** Line colour; default from the palette. */
  readonly color?: string;
}

/**
 * Renders ROC curves as a self-contained SVG string: false-positive rate on x, true-positive
 * rate on y, both [0, 1], with the chance diagonal dashed in gray.
 *
 * @param curves - One or more curves.
 * @param options - Size, title, labels, domains, legend position (default below the plot).
 * @returns The `<svg>…</svg>` markup.
 * @throws If a curve's arrays differ in length or an option is invalid.
 *
 * @example
 * ```ts doctest
 * import { renderRocCurve } from '@patchfx/viz';
 * const svg = renderRocCurve({ name: 'block2', fpr: [0, 0, 1], tpr: [0, 1, 1], auc: 1 });
 * svg.includes('false positive rate'); // => true
 * ```
 */
export function renderRocCurve(
  curves: RocCurveSeries | readonly RocCurveSeries[],
  options: ChartOptions = {},
): string {
  const list = Array.isArray(curves) ? curves : [curves as RocCurveSeries];
  return lineChart(
    list.map((c) => ({
      name: c.auc === undefined ? c.name : `${c.name} (AUC ${c.auc.toFixed(3)})`,
      x: c.fpr,
      y: c.tpr,
      color: c.color,
    })),
    options,
    {
      label: 'ROC curve',
      xLabel: 'false positive rate',
      yLabel: 'true positive rate',
      xDomain: [0, 1],
      yDomain: [0, 1],
      extra: (f) =>
        `<line x1="${fmt(f.sx(0))}" y1="${fmt(f.sy(0))}" x2="${fmt(f.sx(1))}" y2="${fmt(f.sy(1))}" stroke="#999999" stroke-width="1" stroke-dasharray="4 4"/>`,
    },
  );
}
