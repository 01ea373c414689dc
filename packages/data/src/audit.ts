/**
 * Dataset audit: compares the real and fake sides' file formats, sizes, bit depths, chroma
 * subsampling, JPEG qualities and file sizes, and warns when they differ in a way a detector
 * could learn instead of generator artefacts (the reference README's main caveat, spec §8).
 */
import { sniffImageFormat } from './decode/format.js';
import { estimateJpegQuality, jpegSubsampling, readJpegHeader } from './decode/jpeg.js';
import { readPngHeader } from './decode/png.js';
import { ImageDecodeError } from './image.js';

/** What a file's header says (no pixels decoded). */
export interface ImageFileInfo {
  readonly file: string;
  /** Format from the magic bytes; `'unknown'` when not an image. */
  readonly format: string;
  /** File size in bytes. */
  readonly fileBytes: number;
  readonly width?: number;
  readonly height?: number;
  /** Bits per sample. */
  readonly bitDepth?: number;
  /** `'gray' | 'gray+alpha' | 'rgb' | 'rgba' | 'palette' | 'cmyk'`. */
  readonly color?: string;
  /** JPEG chroma subsampling (`'4:2:0'`, …). */
  readonly subsampling?: string;
  /** Estimated JPEG quality (libjpeg scale). */
  readonly jpegQuality?: number;
  readonly progressive?: boolean;
  /** Why the header could not be read. */
  readonly error?: string;
}

const PNG_COLORS: Record<number, string> = {
  0: 'gray',
  2: 'rgb',
  3: 'palette',
  4: 'gray+alpha',
  6: 'rgba',
};

/**
 * Reads a file's header facts for {@link auditDataset}.
 *
 * @param bytes - The file contents.
 * @param file - Its name or path.
 * @returns The facts; `error` is set (never thrown) for unreadable files.
 */
export function inspectImage(bytes: Uint8Array, file: string): ImageFileInfo {
  const base = { file, fileBytes: bytes.length };
  const format = sniffImageFormat(bytes) ?? 'unknown';
  try {
    if (format === 'png') {
      const h = readPngHeader(bytes, file);
      return {
        ...base,
        format,
        width: h.width,
        height: h.height,
        bitDepth: h.bitDepth,
        color: PNG_COLORS[h.colorType],
        progressive: h.interlaced,
      };
    }
    if (format === 'jpeg') {
      const h = readJpegHeader(bytes, file);
      const q = estimateJpegQuality(h);
      const nc = h.components.length;
      return {
        ...base,
        format,
        width: h.width,
        height: h.height,
        bitDepth: h.precision,
        color: nc === 1 ? 'gray' : nc === 4 ? 'cmyk' : 'rgb',
        subsampling: jpegSubsampling(h),
        jpegQuality: q?.quality,
        progressive: h.progressive,
      };
    }
    return {
      ...base,
      format,
      ...(format === 'unknown' ? { error: bytes.length ? 'not an image' : 'empty file' } : {}),
    };
  } catch (e) {
    return { ...base, format, error: e instanceof ImageDecodeError ? e.reason : String(e) };
  }
}

/** Counts and ranges of one side of a dataset. */
export interface DatasetSideSummary {
  /** Files audited (the figures below count these). */
  readonly count: number;
  /** Files on this side; more than `count` when the audit took a sample. */
  readonly total: number;
  /** Files per format, e.g. `{ png: 73 }`. */
  readonly formats: Readonly<Record<string, number>>;
  /** Files per `WxH`. */
  readonly sizes: Readonly<Record<string, number>>;
  readonly bitDepths: Readonly<Record<string, number>>;
  readonly colors: Readonly<Record<string, number>>;
  /** JPEG files per subsampling. */
  readonly subsampling: Readonly<Record<string, number>>;
  /** JPEG files per estimated quality. */
  readonly jpegQualities: Readonly<Record<string, number>>;
  /** File size statistics in bytes, and median bytes per pixel. */
  readonly fileBytes: {
    readonly min: number;
    readonly median: number;
    readonly max: number;
    readonly medianPerPixel: number;
  };
  /** Files whose header could not be read. */
  readonly unreadable: readonly string[];
}

/** The audit of a real-vs-fake dataset. */
export interface DatasetAudit {
  readonly real: DatasetSideSummary;
  readonly fake: DatasetSideSummary;
  /** Differences a detector could learn instead of generator artefacts. */
  readonly warnings: readonly string[];
  /** Things the audit cannot see (e.g. processing history hidden by re-encoding). */
  readonly notes: readonly string[];
}

const median = (xs: number[]) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function count(infos: readonly ImageFileInfo[], key: (i: ImageFileInfo) => string | undefined) {
  const out: Record<string, number> = {};
  for (const i of infos) {
    const k = key(i);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/**
 * Summarises one side of a dataset.
 *
 * @param infos - From {@link inspectImage}.
 * @param total - Files on this side when `infos` is a sample of them. @defaultValue `infos.length`
 */
function summarizeImages(
  infos: readonly ImageFileInfo[],
  total: number = infos.length,
): DatasetSideSummary {
  if (!Number.isInteger(total) || total < infos.length)
    throw new Error(
      `summarizeImages: total must be an integer ≥ the ${infos.length} files given, got ${total}`,
    );
  const ok = infos.filter((i) => !i.error);
  const bytes = infos.map((i) => i.fileBytes);
  return {
    count: infos.length,
    total,
    formats: count(infos, (i) => i.format),
    sizes: count(ok, (i) => (i.width ? `${i.width}x${i.height}` : undefined)),
    bitDepths: count(ok, (i) => (i.bitDepth ? String(i.bitDepth) : undefined)),
    colors: count(ok, (i) => i.color),
    subsampling: count(ok, (i) => i.subsampling),
    jpegQualities: count(ok, (i) =>
      i.jpegQuality !== undefined ? String(i.jpegQuality) : undefined,
    ),
    fileBytes: {
      min: bytes.length ? Math.min(...bytes) : 0,
      median: median(bytes),
      max: bytes.length ? Math.max(...bytes) : 0,
      medianPerPixel: median(
        ok.filter((i) => i.width).map((i) => i.fileBytes / (i.width! * i.height!)),
      ),
    },
    unreadable: infos.filter((i) => i.error).map((i) => `${i.file}: ${i.error}`),
  };
}

const describe = (rec: Readonly<Record<string, number>>, total: number) =>
  Object.entries(rec)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => (v === total ? k : `${k} (${v})`))
    .join(', ') || 'none';

function compare(
  warnings: string[],
  what: string,
  real: Readonly<Record<string, number>>,
  fake: Readonly<Record<string, number>>,
  nReal: number,
  nFake: number,
) {
  const keys = new Set([...Object.keys(real), ...Object.keys(fake)]);
  let tv = 0;
  for (const k of keys)
    tv += Math.abs((real[k] ?? 0) / Math.max(nReal, 1) - (fake[k] ?? 0) / Math.max(nFake, 1));
  if (tv / 2 > 0.1) {
    warnings.push(`${what} differ: real ${describe(real, nReal)} vs fake ${describe(fake, nFake)}`);
  }
}

/** Options of {@link auditDataset}. */
export interface AuditOptions {
  /**
   * Real files in all, when `real` is a sample of them (the class-balance check and the notes
   * use it). @defaultValue `real.length`
   */
  readonly realTotal?: number;
  /** Fake files in all, when `fake` is a sample of them. @defaultValue `fake.length` */
  readonly fakeTotal?: number;
}

/**
 * Compares the real and fake sides of a dataset.
 *
 * Warns (total-variation distance of the two distributions > 0.1) when formats, sizes, bit
 * depths, colour types, JPEG subsampling or JPEG qualities differ, when median bytes per pixel
 * differ by more than 1.5×, when a side has unreadable files, and when the classes are
 * imbalanced beyond 1:2 (on the total counts). Identical containers cannot show earlier history
 * (a JPEG re-saved as PNG), which the `notes` say. When a side is a sample (`options.realTotal`
 * or `fakeTotal` larger than the files given), the first note says so: "audited an even sample
 * of 200 of 361 fake files".
 *
 * @param real - {@link inspectImage} results for the real files (all of them, or a sample).
 * @param fake - The same for the fake files.
 * @param options - The total counts when `real` or `fake` is a sample.
 * @returns Both summaries, warnings and notes.
 *
 * @example
 * ```ts doctest
 * import { auditDataset } from '@patchfx/data';
 * const png = { file: 'r.png', format: 'png', fileBytes: 30000, width: 128, height: 128, bitDepth: 8, color: 'rgb' };
 * const jpg = { file: 'f.jpg', format: 'jpeg', fileBytes: 5000, width: 128, height: 128, bitDepth: 8, color: 'rgb', jpegQuality: 90 };
 * auditDataset([png], [jpg]).warnings[0]; // => 'formats differ: real png vs fake jpeg'
 * ```
 */
export function auditDataset(
  real: readonly ImageFileInfo[],
  fake: readonly ImageFileInfo[],
  options: AuditOptions = {},
): DatasetAudit {
  const r = summarizeImages(real, options.realTotal);
  const f = summarizeImages(fake, options.fakeTotal);
  const warnings: string[] = [];
  compare(warnings, 'formats', r.formats, f.formats, r.count, f.count);
  compare(warnings, 'image sizes', r.sizes, f.sizes, r.count, f.count);
  compare(warnings, 'bit depths', r.bitDepths, f.bitDepths, r.count, f.count);
  compare(warnings, 'colour types', r.colors, f.colors, r.count, f.count);
  const rj = r.formats.jpeg ?? 0;
  const fj = f.formats.jpeg ?? 0;
  if (rj && fj) {
    compare(warnings, 'JPEG chroma subsampling', r.subsampling, f.subsampling, rj, fj);
    compare(warnings, 'JPEG qualities', r.jpegQualities, f.jpegQualities, rj, fj);
  } else if (rj || fj) {
    const side = rj ? r : f;
    const q = Object.keys(side.jpegQualities).map(Number);
    const qs = q.length ? ` (q≈${Math.min(...q)}${q.length > 1 ? `–${Math.max(...q)}` : ''})` : '';
    warnings.push(
      `only the ${rj ? 'real' : 'fake'} images include JPEGs${qs}: a detector can learn JPEG compression instead of generator artefacts`,
    );
  }
  const bpp = [r.fileBytes.medianPerPixel, f.fileBytes.medianPerPixel];
  if (bpp[0] > 0 && bpp[1] > 0 && Math.max(...bpp) / Math.min(...bpp) > 1.5) {
    warnings.push(
      `median bytes per pixel differ: real ${bpp[0].toFixed(3)} vs fake ${bpp[1].toFixed(3)} (different compression or content)`,
    );
  }
  if (r.unreadable.length) warnings.push(`${r.unreadable.length} real file(s) unreadable`);
  if (f.unreadable.length) warnings.push(`${f.unreadable.length} fake file(s) unreadable`);
  if (r.total && f.total && Math.max(r.total, f.total) / Math.min(r.total, f.total) > 2) {
    warnings.push(
      `class imbalance: ${r.total} real vs ${f.total} fake (paired batches cycle the smaller side)`,
    );
  }
  const notes: string[] = [];
  const sampled = (
    [
      ['real', r],
      ['fake', f],
    ] as const
  )
    .filter(([, side]) => side.total > side.count)
    .map(([name, side]) => `${side.count} of ${side.total} ${name}`);
  if (sampled.length) {
    notes.push(
      `audited an even sample of ${sampled.join(' and ')} files (the other figures count the sample)`,
    );
  }
  if (warnings.every((w) => !w.startsWith('formats') && !w.startsWith('image sizes'))) {
    notes.push(
      `both sides are ${describe(r.formats, r.count)} at ${describe(r.sizes, r.count)}: the files do not show earlier history (a JPEG or a resize before the last save); check how each side was made`,
    );
  }
  return { real: r, fake: f, warnings, notes };
}
