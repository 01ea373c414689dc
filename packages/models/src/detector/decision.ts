/**
 * How a detector turns a score (P(fake)) into a label: a threshold with an abstain band around
 * it, set by default, fitted on known-real images ({@link calibrateDetector}), or fitted on known reals
 * and fakes ({@link fitCalibration}; the train program does it on its validation split).
 */

/**
 * The labels a detector gives: `'fake'` above the abstain band, `'real'` below it, `'unsure'`
 * inside it.
 *
 * @example
 * ```ts doctest
 * import { DETECTOR_LABELS } from '@patchfx/models/detector';
 * DETECTOR_LABELS; // => ['real', 'fake', 'unsure']
 * ```
 */
export const DETECTOR_LABELS = Object.freeze(['real', 'fake', 'unsure'] as const);

/** One of {@link DETECTOR_LABELS}. */
export type DetectorLabel = (typeof DETECTOR_LABELS)[number];

/**
 * What a calibration found: a threshold fitted on known-real images ({@link calibrateDetector}), and,
 * when fakes were scored too ({@link fitCalibration}; the train program does it on its
 * validation split), the abstain band's edges. JSON-serialisable: a checkpoint stores it in
 * `checkpoint.json`, and `loadDetector(…, { calibration })` takes it back.
 */
export interface DetectorCalibration {
  /** Scores above this are `'fake'` at the target false-positive rate (before the band). */
  readonly threshold: number;
  /** The highest acceptable share of real images labelled fake that was asked for. */
  readonly targetFpr: number;
  /** The share of the calibration reals whose score is above `threshold` (≤ `targetFpr`). */
  readonly fpr: number;
  /** How many known-real images the threshold was fitted on. */
  readonly count: number;
  /**
   * The abstain band fitted on labelled scores ({@link fitCalibration}); absent: the band is
   * the odds band of `abstainOddsRatio` around `threshold`.
   */
  readonly band?: FittedBand;
  /** What the calibration was fitted on, when recorded (the train program records it). */
  readonly fittedOn?: CalibrationProvenance;
}

/**
 * An abstain band fitted on the scores of known reals and known fakes: `'fake'` above `upper`
 * (the threshold at the target FPR), `'real'` at or below `lower` (at most `targetFnr` of the
 * fakes score there), `'unsure'` in between.
 */
export interface FittedBand {
  /** Scores at or below this are `'real'`. */
  readonly lower: number;
  /** Scores above this are `'fake'` (the calibration's `threshold`). */
  readonly upper: number;
  /** The highest acceptable share of fake images labelled real that was asked for. */
  readonly targetFnr: number;
  /** The share of the calibration fakes whose score is at or below `lower` (≤ `targetFnr`). */
  readonly fnr: number;
  /** How many known-fake images the lower edge was fitted on. */
  readonly fakeCount: number;
}

/** Where a calibration's images came from and which model scored them. */
export interface CalibrationProvenance {
  /** The data split, e.g. `'val'` (the train program's validation split). */
  readonly split: string;
  /** The folders of the real and the fake images (their common parent folder). */
  readonly realFolder: string | null;
  readonly fakeFolder: string | null;
  /** The checkpoint that was calibrated, e.g. `'bestval'`. */
  readonly checkpoint: string;
  /** Its architecture, e.g. `'xception_block2'`. */
  readonly model: string;
  /** SHA-256 (hex) of its `weights.bin`: the calibration holds for these weights only. */
  readonly weightsSha256: string;
  /** When it was fitted (ISO 8601). */
  readonly date: string;
}

/**
 * The decision rule in force: `'fake'` when `score > upper`, `'real'` when `score ≤ lower`,
 * `'unsure'` in between.
 */
export interface DecisionBand {
  /** The threshold the band is centred on (in odds). */
  readonly threshold: number;
  /** Scores at or below this are `'real'`. */
  readonly lower: number;
  /** Scores above this are `'fake'`. */
  readonly upper: number;
  /**
   * The odds ratio that sets the band's width (1 = no band), or `null` when the band's edges
   * were fitted (`calibration.band`).
   */
  readonly abstainOddsRatio: number | null;
  /** The calibration that set `threshold`, or `null` for a threshold given or defaulted. */
  readonly calibration: DetectorCalibration | null;
}

/**
 * The abstain band around a threshold `t`: scores whose odds of being fake are within a factor
 * `r` of the threshold's odds. With odds `o(s) = s / (1 − s)`, a score `s` is unsure when
 * `o(t) / r < o(s) ≤ o(t) · r`, that is `lower = t / (t + r·(1 − t))` and
 * `upper = r·t / (r·t + 1 − t)`. At the default `t = 0.5, r = 1.5` the band is (0.4, 0.6]; a
 * band in odds stays inside (0, 1) for thresholds near 0 or 1, where a band of ± a fixed
 * margin would not. Thresholds outside (0, 1) (a calibration at FPR 0 or 1 can give them) get
 * no band.
 *
 * @param threshold - The threshold on P(fake).
 * @param abstainOddsRatio - r ≥ 1; 1 gives no band (`lower = upper = threshold`).
 * @returns `[lower, upper]`.
 * @throws When `abstainOddsRatio` is not a number ≥ 1 or `threshold` is NaN.
 *
 * @example
 * ```ts doctest
 * import { abstainBand } from '@patchfx/models/detector';
 * abstainBand(0.5, 1.5); // => [0.4, 0.6]
 * abstainBand(0.9, 1); // => [0.9, 0.9]
 * ```
 */
export function abstainBand(threshold: number, abstainOddsRatio: number): [number, number] {
  if (Number.isNaN(threshold)) throw new Error('threshold must be a number, got NaN');
  if (!(typeof abstainOddsRatio === 'number' && abstainOddsRatio >= 1)) {
    throw new Error(
      `abstainOddsRatio must be a number ≥ 1 (1 = no abstain band), got ${JSON.stringify(abstainOddsRatio)}`,
    );
  }
  const t = threshold;
  const r = abstainOddsRatio;
  if (!(t > 0 && t < 1) || r === 1) return [t, t];
  return [t / (t + r * (1 - t)), (r * t) / (r * t + 1 - t)];
}

/**
 * The label of a score under a decision band: `'fake'` when `score > upper`, `'real'` when
 * `score ≤ lower`, else `'unsure'`. Ties at a threshold count as real, as in
 * `calibrateThresholdAtFpr` of `@patchfx/metrics`.
 *
 * @param score - P(fake), in [0, 1].
 * @param band - `[lower, upper]` from {@link abstainBand}, or a {@link DecisionBand}.
 * @returns The label.
 *
 * @example
 * ```ts doctest
 * import { classifyScore } from '@patchfx/models/detector';
 * classifyScore(0.7, [0.4, 0.6]); // => 'fake'
 * classifyScore(0.5, [0.4, 0.6]); // => 'unsure'
 * classifyScore(0.4, [0.4, 0.6]); // => 'real'
 * ```
 */
export function classifyScore(
  score: number,
  band: readonly [number, number] | Pick<DecisionBand, 'lower' | 'upper'>,
): DetectorLabel {
  const [lower, upper] = Array.isArray(band)
    ? (band as readonly [number, number])
    : [(band as Pick<DecisionBand, 'lower'>).lower, (band as Pick<DecisionBand, 'upper'>).upper];
  if (score > upper) return 'fake';
  if (score <= lower) return 'real';
  return 'unsure';
}

/**
 * Builds the decision band in force: the calibration's fitted band when it has one, else the
 * odds band of `abstainOddsRatio` around the calibration's threshold (or `threshold` without a
 * calibration).
 */
export function decisionBand(
  threshold: number,
  abstainOddsRatio: number,
  calibration: DetectorCalibration | null,
): DecisionBand {
  if (calibration?.band) {
    const { lower, upper } = calibration.band;
    return { threshold: calibration.threshold, lower, upper, abstainOddsRatio: null, calibration };
  }
  const t = calibration ? calibration.threshold : threshold;
  const [lower, upper] = abstainBand(t, abstainOddsRatio);
  return { threshold: t, lower, upper, abstainOddsRatio, calibration };
}

const isRate = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
const isNumber = (v: unknown) => typeof v === 'number' && !Number.isNaN(v);

/**
 * Checks that a value is a {@link DetectorCalibration} (what `calibrateDetector` or `fitCalibration`
 * returned, read back from JSON).
 *
 * @param value - The value.
 * @param what - Names it in the error, e.g. `'calibration'` or a file and field.
 * @returns The value, typed.
 * @throws Naming `what` and the first bad field.
 */
export function checkCalibration(value: unknown, what: string): DetectorCalibration {
  const bad = (field: string, v: unknown) =>
    new Error(
      `${what}: ${field} is ${JSON.stringify(v)}; expected what calibrateDetector() or fitCalibration() returned ({ threshold, targetFpr, fpr, count, band?, fittedOn? })`,
    );
  if (typeof value !== 'object' || value === null) throw bad('the calibration', value);
  const c = value as Record<string, unknown>;
  if (!isNumber(c.threshold)) throw bad('threshold', c.threshold);
  if (!(isRate(c.targetFpr) && (c.targetFpr as number) < 1)) throw bad('targetFpr', c.targetFpr);
  if (!isRate(c.fpr)) throw bad('fpr', c.fpr);
  if (!isCount(c.count)) throw bad('count', c.count);
  if (c.band !== undefined) {
    const b = c.band as Record<string, unknown> | null;
    if (typeof b !== 'object' || b === null) throw bad('band', b);
    if (!isNumber(b.lower)) throw bad('band.lower', b.lower);
    if (!(isNumber(b.upper) && (b.upper as number) >= (b.lower as number)))
      throw bad('band.upper', b.upper);
    if (!(isRate(b.targetFnr) && (b.targetFnr as number) < 1))
      throw bad('band.targetFnr', b.targetFnr);
    if (!isRate(b.fnr)) throw bad('band.fnr', b.fnr);
    if (!isCount(b.fakeCount)) throw bad('band.fakeCount', b.fakeCount);
  }
  if (c.fittedOn !== undefined) {
    const f = c.fittedOn as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null) throw bad('fittedOn', f);
    for (const k of ['split', 'checkpoint', 'model', 'weightsSha256', 'date'] as const) {
      if (typeof f[k] !== 'string') throw bad(`fittedOn.${k}`, f[k]);
    }
    for (const k of ['realFolder', 'fakeFolder'] as const) {
      if (!(f[k] === null || typeof f[k] === 'string')) throw bad(`fittedOn.${k}`, f[k]);
    }
  }
  return value as DetectorCalibration;
}

const percent = (r: number) => `${+(100 * r).toFixed(2)} %`;
const fixed = (v: number) => +v.toFixed(4);

/**
 * One sentence saying what a decision rule does and where it came from, for reports and logs.
 *
 * @param band - The rule (a detector's `decision`).
 * @returns The sentence.
 *
 * @example
 * ```ts doctest
 * import { describeDecision, decisionBand } from '@patchfx/models/detector';
 * describeDecision(decisionBand(0.5, 1.5, null)); // => "uncalibrated: 'fake' above 0.6, 'real' at or below 0.4, else 'unsure' (threshold 0.5, abstain odds ratio 1.5)"
 * ```
 */
export function describeDecision(band: DecisionBand): string {
  const rule = `'fake' above ${fixed(band.upper)}, 'real' at or below ${fixed(band.lower)}, else 'unsure'`;
  const cal = band.calibration;
  if (!cal) {
    return `uncalibrated: ${rule} (threshold ${fixed(band.threshold)}, abstain odds ratio ${band.abstainOddsRatio})`;
  }
  const f = cal.fittedOn;
  const on = f
    ? `calibrated on the ${f.split} split (${cal.count} real${cal.band ? ` + ${cal.band.fakeCount} fake` : ''} images${f.realFolder ? ` from ${f.realFolder}${f.fakeFolder ? ` and ${f.fakeFolder}` : ''}` : ''}) with ${f.checkpoint} of ${f.model} (weights ${f.weightsSha256.slice(0, 12)}…) on ${f.date}`
    : `calibrated on ${cal.count} known-real images`;
  const rates = cal.band
    ? `'fake' at FPR ≤ ${percent(cal.targetFpr)} (${percent(cal.fpr)} there), 'real' at FNR ≤ ${percent(cal.band.targetFnr)} (${percent(cal.band.fnr)} there)`
    : `threshold ${fixed(cal.threshold)} at FPR ≤ ${percent(cal.targetFpr)} (${percent(cal.fpr)} there), abstain odds ratio ${band.abstainOddsRatio}`;
  return `${on}: ${rule}; ${rates}`;
}
