import { renderDegradationChart, type DegradationSeries } from '../charts/degradation.js';
import type { ChartOptions } from '../charts/frame.js';
import {
  renderPartHistogram,
  type PartCount,
  type PartHistogramOptions,
} from '../charts/part-histogram.js';
import { renderPrCurve, type PrCurveSeries } from '../charts/pr-curve.js';
import { renderRocCurve, type RocCurveSeries } from '../charts/roc-curve.js';
import { renderTrainingCurves, type TrainingSeries } from '../charts/training-curves.js';
import { escapeXml } from '../internal/escape.js';
import { type GalleryItem, resolveItem } from '../internal/url.js';
import { htmlPage } from './page.js';

/** A table of numbers (AP, accuracy, n…): one row per model, one column per dataset, say. */
export interface MetricsSection {
  readonly kind: 'metrics';
  readonly title: string;
  /** Column headers; the first usually names the row labels. */
  readonly columns: readonly string[];
  /** Rows of cells; numbers are formatted with `digits`, `null` shows as a dash. */
  readonly rows: readonly (readonly (string | number | null)[])[];
  /**
   * Decimals for numeric cells (the reference's tables use 2, on AP×100).
   * @defaultValue 2
   */
  readonly digits?: number;
  /** Text under the table. */
  readonly caption?: string;
}

/** Precision-recall curves (see `renderPrCurve`). */
export interface PrCurvesSection {
  readonly kind: 'pr-curves';
  readonly title: string;
  readonly curves: readonly PrCurveSeries[];
  readonly options?: ChartOptions;
}

/** ROC curves (see `renderRocCurve`). */
export interface RocCurvesSection {
  readonly kind: 'roc-curves';
  readonly title: string;
  readonly curves: readonly RocCurveSeries[];
  readonly options?: ChartOptions;
}

/** Training curves (see `renderTrainingCurves`); several charts side by side, e.g. loss and accuracy. */
export interface TrainingCurvesSection {
  readonly kind: 'training-curves';
  readonly title: string;
  readonly charts: readonly {
    readonly series: readonly TrainingSeries[];
    readonly options?: ChartOptions;
  }[];
}

/** Metric vs degradation (see `renderDegradationChart`). */
export interface DegradationSection {
  readonly kind: 'degradation';
  readonly title: string;
  readonly series: readonly DegradationSeries[];
  readonly options?: ChartOptions;
}

/** Top-patch vs random-patch counts per face part (see `renderPartHistogram`). */
export interface PartHistogramSection {
  readonly kind: 'part-histogram';
  readonly title: string;
  readonly counts: readonly PartCount[];
  readonly options?: PartHistogramOptions;
}

/** A gallery of images linked by relative path (click opens the full image). */
export interface GallerySection {
  readonly kind: 'gallery';
  readonly title: string;
  readonly images: readonly (string | GalleryItem)[];
  /**
   * Thumbnail edge in CSS pixels.
   * @defaultValue 128
   */
  readonly thumbSize?: number;
  /** Link shown after the title, e.g. to the folder's `+lightbox.html`. */
  readonly link?: GalleryItem;
}

/** Paragraphs of plain text (escaped; no markup). */
export interface TextSection {
  readonly kind: 'text';
  readonly title: string;
  readonly paragraphs: readonly string[];
}

/**
 * A ready-made SVG inserted verbatim. Only pass markup produced by this package's `render*`
 * chart functions (or other trusted code): it is not sanitised. The report's
 * Content-Security-Policy forbids all scripts, which limits what untrusted markup could do.
 */
export interface SvgSection {
  readonly kind: 'svg';
  readonly title: string;
  readonly svg: string;
}

/** One section of a run report. */
export type ReportSection =
  | MetricsSection
  | PrCurvesSection
  | RocCurvesSection
  | TrainingCurvesSection
  | DegradationSection
  | PartHistogramSection
  | GallerySection
  | TextSection
  | SvgSection;

/** The `kind`s of {@link ReportSection}. */
export const REPORT_SECTION_KINDS = Object.freeze([
  'metrics',
  'pr-curves',
  'roc-curves',
  'training-curves',
  'degradation',
  'part-histogram',
  'gallery',
  'text',
  'svg',
] as const);

/** Options for {@link renderReport}. */
export interface ReportOptions {
  /**
   * Page title and heading.
   * @defaultValue 'patchfx report'
   */
  readonly title?: string;
  /** A line under the heading (run name, date, command…). */
  readonly subtitle?: string;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;background:#f6f8fa}
.page{max-width:1100px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px}
.subtitle{color:#57606a;margin:0 0 16px}
nav{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;margin-bottom:20px}
nav ol{margin:0;padding-left:20px;columns:2}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:14px 18px;margin:0 0 18px}
h2{font-size:18px;margin:0 0 10px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d0d7de;padding:4px 10px}
th{background:#f6f8fa;text-align:left}
td.num{text-align:right}
.table-wrap{overflow-x:auto}
.caption{color:#57606a;font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.charts svg{max-width:100%;height:auto}
.gallery{display:grid;align-items:start;grid-template-columns:repeat(auto-fill,minmax(var(--thumb),1fr));gap:10px}
.gallery figure{margin:0;border:1px solid #d0d7de;border-radius:4px;overflow:hidden;background:#eaeef2}
.gallery a{display:flex;align-items:center;justify-content:center;height:var(--thumb)}
.gallery img{width:100%;height:100%;object-fit:contain}
.gallery figcaption{font-size:12px;padding:2px 6px;background:#fff;overflow-wrap:anywhere}
`;

function formatCell(v: string | number | null, digits: number): { text: string; numeric: boolean } {
  if (v === null) return { text: '—', numeric: true };
  if (typeof v === 'number') {
    return { text: Number.isFinite(v) ? v.toFixed(digits) : String(v), numeric: true };
  }
  return { text: v, numeric: false };
}

function sectionBody(s: ReportSection, index: number): string {
  switch (s.kind) {
    case 'metrics': {
      const digits = s.digits ?? 2;
      if (!(Number.isInteger(digits) && digits >= 0 && digits <= 20)) {
        throw new Error(`sections[${index}].digits must be an integer 0–20, got ${digits}`);
      }
      const head = s.columns.map((c) => `<th scope="col">${escapeXml(c)}</th>`).join('');
      const rows = s.rows
        .map((row, r) => {
          if (row.length !== s.columns.length) {
            throw new Error(
              `sections[${index}].rows[${r}] has ${row.length} cells but there are ${s.columns.length} columns`,
            );
          }
          return `<tr>${row
            .map((cell, c) => {
              const { text, numeric } = formatCell(cell, digits);
              const tag =
                c === 0 && !numeric ? 'th scope="row"' : numeric ? 'td class="num"' : 'td';
              return `<${tag}>${escapeXml(text)}</${tag.split(' ')[0]}>`;
            })
            .join('')}</tr>`;
        })
        .join('');
      return (
        `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>` +
        (s.caption ? `<p class="caption">${escapeXml(s.caption)}</p>` : '')
      );
    }
    case 'pr-curves':
      return `<div class="charts">${renderPrCurve(s.curves, s.options)}</div>`;
    case 'roc-curves':
      return `<div class="charts">${renderRocCurve(s.curves, s.options)}</div>`;
    case 'training-curves':
      return `<div class="charts">${s.charts.map((c) => renderTrainingCurves(c.series, c.options)).join('')}</div>`;
    case 'degradation':
      return `<div class="charts">${renderDegradationChart(s.series, s.options)}</div>`;
    case 'part-histogram':
      return `<div class="charts">${renderPartHistogram(s.counts, s.options)}</div>`;
    case 'gallery': {
      const thumb = s.thumbSize ?? 128;
      if (!(Number.isFinite(thumb) && thumb > 0)) {
        throw new Error(`sections[${index}].thumbSize must be a positive number, got ${thumb}`);
      }
      const figures = s.images
        .map((img, i) => resolveItem(img, i))
        .map(
          (it) =>
            `<figure><a href="${escapeXml(it.url)}"><img src="${escapeXml(it.url)}" alt="${escapeXml(it.caption)}" loading="lazy"></a><figcaption>${escapeXml(it.caption)}</figcaption></figure>`,
        )
        .join('');
      const link = s.link ? resolveItem(s.link, 0) : undefined;
      return (
        (link ? `<p><a href="${escapeXml(link.url)}">${escapeXml(link.caption)}</a></p>` : '') +
        `<div class="gallery" style="--thumb:${thumb}px">${figures}</div>`
      );
    }
    case 'text':
      return s.paragraphs.map((p) => `<p>${escapeXml(p)}</p>`).join('');
    case 'svg':
      return `<div class="charts">${s.svg}</div>`;
    default: {
      const kind = (s as { kind?: unknown }).kind;
      throw new Error(
        `sections[${index}].kind must be one of ${REPORT_SECTION_KINDS.map((k) => `'${k}'`).join(' | ')}, got '${String(kind)}'`,
      );
    }
  }
}

/**
 * Renders a self-contained HTML run report: a heading, a table of contents, then one card per
 * section: metrics tables, inline SVG charts (PR/ROC curves, training curves, metric vs
 * degradation, part histograms) and image galleries linking images by relative path. Leave a
 * section out when its data is absent (part histograms need `segmenter.py` results).
 *
 * The page has no scripts at all (its Content-Security-Policy forbids them) and loads nothing
 * but the gallery images. All text is HTML-escaped.
 *
 * @param sections - The sections, in display order.
 * @param options - See {@link ReportOptions}.
 * @returns The HTML document.
 * @throws If a section is malformed (unknown kind, ragged table, bad image entry…).
 *
 * @example
 * ```ts doctest
 * import { renderReport } from '@patchfx/viz';
 * const html = renderReport([
 *   { kind: 'metrics', title: 'AP ×100', columns: ['model', 'pgan'], rows: [['block2', 99.123]] },
 *   { kind: 'pr-curves', title: 'PR', curves: [{ name: 'block2', precision: [1, 1], recall: [0, 1] }] },
 * ], { title: 'gp1 <test>' });
 * html.includes('<title>gp1 &lt;test&gt;</title>'); // => true
 * html.includes('<td class="num">99.12</td>'); // => true
 * html.includes('<svg'); // => true
 * ```
 */
export function renderReport(
  sections: readonly ReportSection[],
  options: ReportOptions = {},
): string {
  const title = options.title ?? 'patchfx report';
  const bodies = sections.map((s, i) => sectionBody(s, i));
  const toc = sections
    .map((s, i) => `<li><a href="#section-${i + 1}">${escapeXml(s.title)}</a></li>`)
    .join('');
  const cards = sections
    .map(
      (s, i) =>
        `<section id="section-${i + 1}" class="section-${s.kind}"><h2>${escapeXml(s.title)}</h2>${bodies[i]}</section>`,
    )
    .join('\n');
  return htmlPage({
    title,
    style: STYLE,
    inlineScripts: false,
    body: `<div class="page">
<h1>${escapeXml(title)}</h1>
${options.subtitle ? `<p class="subtitle">${escapeXml(options.subtitle)}</p>` : ''}
${sections.length > 1 ? `<nav><ol>${toc}</ol></nav>` : ''}
${cards}
</div>`,
  });
}
