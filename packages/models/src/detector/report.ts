/**
 * The per-image JSON report of a detector. Its JSON Schema is `docs/report.schema.json`.
 */
import type { AverageMode } from '@patchfx/metrics';
import type { ReceptiveField } from '../receptive-field.js';
import { describeDecision, type DetectorCalibration, type DetectorLabel } from './decision.js';
import type { Detection, ExplainOptions, ExplainedPatch } from './types.js';
import type { PartShare, PatchPart } from './parts.js';
import type { PixelBox, Preprocessing } from './preprocess.js';
import { PATCHFX_VERSION } from './version.js';

/** The `format` tag of every report. */
export const REPORT_FORMAT = 'patchfx-detector-report';
/** The report format version (bumped on incompatible changes to the schema). */
export const REPORT_VERSION = 1;

/** Per-call options of `Detector.report`. */
export interface ReportOptions extends ExplainOptions {
  /** The image's name in the report. @defaultValue the path or `File` name, else null */
  readonly name?: string | null;
  /** The report's time. @defaultValue now */
  readonly createdAt?: Date;
}

/** A patch in a report. */
export interface ReportPatch {
  readonly rank: number;
  readonly row: number;
  readonly col: number;
  /** P(fake) of the patch. */
  readonly score: number;
  /** Receptive-field window in model-input pixels (clipped; raw start and side). */
  readonly window: PixelBox & {
    readonly rawTop: number;
    readonly rawLeft: number;
    readonly rf: number;
  };
  /** The window in the original image's pixels. */
  readonly originalBox: PixelBox;
  /** The reference's cluster rule (spec §7.2); `null` without a segmenter. */
  readonly part: PatchPart | null;
  /** Every part's share of the window, largest first; empty without a segmenter. */
  readonly parts: PartShare[];
  /** The part filling most of the window; `null` without a segmenter. */
  readonly dominantPart: PartShare | null;
}

/** What `Detector.report` returns (schema `docs/report.schema.json`). */
export interface DetectorReport {
  readonly format: typeof REPORT_FORMAT;
  readonly version: typeof REPORT_VERSION;
  /** The patchfx release that wrote it. */
  readonly patchfxVersion: string;
  /** ISO 8601 time. */
  readonly createdAt: string;
  readonly image: {
    readonly name: string | null;
    readonly width: number;
    readonly height: number;
  };
  readonly model: {
    /** Reference name, e.g. `xception_block2`. */
    readonly name: string;
    /** The checkpoint's path or URL, when known. */
    readonly source: string | null;
    readonly fakeClassId: 0 | 1;
    /** SHA-256 (hex) of the weights (= of the checkpoint's `weights.bin`; of the file for an `.onnx` detector). */
    readonly weightsSha256: string;
    /** `null` for full-image models. */
    readonly receptiveField: ReceptiveField | null;
  };
  readonly preprocessing: Preprocessing;
  /** The detection's `averageMode` (the report format's key is `mode`). */
  readonly mode: AverageMode;
  /** P(fake). */
  readonly score: number;
  readonly label: DetectorLabel;
  readonly decision: {
    readonly threshold: number;
    readonly lower: number;
    readonly upper: number;
    /** `null` when the band's edges were fitted (`calibration.band`). */
    readonly abstainOddsRatio: number | null;
    /** With what it was fitted on (`calibration.fittedOn`), when it was. */
    readonly calibration: DetectorCalibration | null;
    /** The rule and its calibration in one sentence (`describeDecision`). */
    readonly summary: string;
  };
  /** P(fake) per patch as `height` rows of `width` values; `null` for full-image models. */
  readonly patchMap: {
    readonly height: number;
    readonly width: number;
    readonly rows: number[][];
  } | null;
  /** What the patches are ranked by. */
  readonly target: 'fake' | 'real';
  /** Whether the patches carry face parts. */
  readonly segmented: boolean;
  readonly patches: ReportPatch[];
}

/** What the report needs besides the result. */
export interface ReportContext {
  readonly name: string | null;
  readonly createdAt: Date;
  readonly model: DetectorReport['model'];
}

/**
 * Assembles a report from a detection (or explanation). Pure.
 *
 * @returns A plain object ready for `JSON.stringify`.
 */
export function buildReport(
  result: Detection & {
    readonly patches: readonly ExplainedPatch[];
    readonly segmented: boolean;
    readonly target: 'fake' | 'real';
  },
  context: ReportContext,
): DetectorReport {
  const p = result.preprocessing;
  const map = result.patchMap;
  const d = result.decision;
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    patchfxVersion: PATCHFX_VERSION,
    createdAt: context.createdAt.toISOString(),
    image: { name: context.name, width: p.originalWidth, height: p.originalHeight },
    model: context.model,
    preprocessing: p,
    mode: result.averageMode,
    score: result.score,
    label: result.label,
    decision: {
      threshold: d.threshold,
      lower: d.lower,
      upper: d.upper,
      abstainOddsRatio: d.abstainOddsRatio,
      calibration: d.calibration,
      summary: describeDecision(d),
    },
    patchMap: map
      ? {
          height: map.height,
          width: map.width,
          rows: Array.from({ length: map.height }, (_, i) =>
            Array.from(map.data.subarray(i * map.width, (i + 1) * map.width)),
          ),
        }
      : null,
    target: result.target,
    segmented: result.segmented,
    patches: result.patches.map((q) => ({
      rank: q.rank,
      row: q.row,
      col: q.col,
      score: q.score,
      window: {
        top: q.window.top,
        left: q.window.left,
        bottom: q.window.bottom,
        right: q.window.right,
        rawTop: q.window.rawTop,
        rawLeft: q.window.rawLeft,
        rf: q.window.rf,
      },
      originalBox: q.originalBox,
      part: q.part,
      parts: q.parts.map((x) => ({ name: x.name, share: x.share })),
      dominantPart: q.dominantPart
        ? { name: q.dominantPart.name, share: q.dominantPart.share }
        : null,
    })),
  };
}
