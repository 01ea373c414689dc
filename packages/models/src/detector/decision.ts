/**
 * How a detector turns a score (P(fake)) into a label: a threshold with an abstain band around
 * it, set by default or fitted on known-real images ({@link calibrate}).
 */

/**
 * The labels a detector gives: `'fake'` above the abstain band, `'real'` below it, `'unsure'`
 * inside it.
 *
 * @example
 * ```ts doctest
 * import { DETECTOR_LABELS } from '@patchfx/models';
 * DETECTOR_LABELS; // => ['real', 'fake', 'unsure']
 * ```
 */
export const DETECTOR_LABELS = Object.freeze(['real', 'fake', 'unsure'] as const);

/** One of {@link DETECTOR_LABELS}. */
export type DetectorLabel = (typeof DETECTOR_LABELS)[number];

/**
 * What a calibration on known-real images found ({@link calibrate}). JSON-serialisable: save it
 * and pass it back as `loadDetector(…, { calibration })`.
 */
export interface DetectorCalibration {
  /** Scores above this are `'fake'` at the target false-positive rate (before the band). */
  readonly threshold: number;
  /** The highest acceptable share of real images labelled fake that was asked for. */
  readonly targetFpr: number;
  /** The share of the calibration images whose score is above `threshold` (≤ `targetFpr`). */
  readonly fpr: number;
  /** How many known-real images the threshold was fitted on. */
  readonly count: number;
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
  /** The odds ratio that sets the band's width (1 = no band). */
  readonly abstainOddsRatio: number;
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
 * import { abstainBand } from '@patchfx/models';
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
 * import { labelScore } from '@patchfx/models';
 * labelScore(0.7, [0.4, 0.6]); // => 'fake'
 * labelScore(0.5, [0.4, 0.6]); // => 'unsure'
 * labelScore(0.4, [0.4, 0.6]); // => 'real'
 * ```
 */
export function labelScore(
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

/** Builds the decision band for a threshold (or calibration) and odds ratio. */
export function decisionBand(
  threshold: number,
  abstainOddsRatio: number,
  calibration: DetectorCalibration | null,
): DecisionBand {
  const t = calibration ? calibration.threshold : threshold;
  const [lower, upper] = abstainBand(t, abstainOddsRatio);
  return { threshold: t, lower, upper, abstainOddsRatio, calibration };
}
