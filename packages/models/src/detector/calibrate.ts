/**
 * Fitting a detector's threshold on a few known-real images of the user's domain, and its
 * threshold and abstain band on labelled scores (the train program's validation split).
 */
import { calibrateThresholdAtFpr } from '@patchfx/metrics';
import type { DetectorCalibration } from './decision.js';
import type { Detector } from './detector.js';
import type { DetectorInput } from './input.js';

/** Options of {@link calibrateDetector}. */
export interface CalibrateOptions {
  /** Highest acceptable share of real images labelled `'fake'`, in [0, 1). */
  readonly targetFpr: number;
  /** A new abstain-band width (odds ratio ≥ 1). @defaultValue the detector's */
  readonly abstainOddsRatio?: number;
}

/**
 * Fits the detector's threshold on images known to be real, so that at most `targetFpr` of
 * such images score above it (`calibrateThresholdAtFpr` of `@patchfx/metrics`: the
 * `1 − targetFpr` quantile of their P(fake), inverted-CDF rule). The detector then labels with
 * that threshold and its abstain band: `'fake'` above the band (so still at most `targetFpr` of
 * the calibration reals), `'unsure'` inside it, `'real'` below.
 *
 * With few images the threshold is coarse: with m images, k = ⌊targetFpr·m⌋ may score above
 * it (k = 0 makes it the highest real score). Use images of the domain the detector will see
 * (same camera, compression and size), at least ⌈1 / targetFpr⌉ of them.
 *
 * @param detector - The detector; its calibration is replaced.
 * @param realImages - Known-real images (any {@link DetectorInput}); iterables and async
 *   iterables work.
 * @param options - See {@link CalibrateOptions}.
 * @returns The calibration (JSON-serialisable; pass it as `loadDetector(…, { calibration })`
 *   to restore it).
 * @throws When there is no image, `targetFpr` is outside [0, 1), or an image cannot be scored.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator, encodeCheckpoint } from '@patchfx/models';
 * import { calibrateDetector, loadDetector, memoryCheckpointReader } from '@patchfx/models/detector';
 * const model = buildPatchDiscriminator('xception_block1', { seed: 1 });
 * const files = await encodeCheckpoint({ model });
 * model.dispose();
 * const detector = await loadDetector({ read: memoryCheckpointReader(files), where: 'memory' }, { loadSize: 32 });
 * const reals = [10, 90, 170, 250].map((v) => ({ data: new Uint8Array(32 * 32 * 3).fill(v), width: 32, height: 32 }));
 * const { count, fpr } = await calibrateDetector(detector, reals, { targetFpr: 0.25 });
 * [count, fpr <= 0.25]; // => [4, true]
 * detector.decision.calibration?.targetFpr; // => 0.25
 * detector.dispose();
 * ```
 */
export async function calibrateDetector(
  detector: Detector,
  realImages: Iterable<DetectorInput> | AsyncIterable<DetectorInput>,
  options: CalibrateOptions,
): Promise<DetectorCalibration> {
  const { targetFpr } = options;
  if (!(typeof targetFpr === 'number' && targetFpr >= 0 && targetFpr < 1)) {
    throw new Error(
      `targetFpr must be a rate in [0, 1) (the share of real images allowed to be called fake), got ${JSON.stringify(targetFpr)}`,
    );
  }
  const scores: number[] = [];
  for await (const image of realImages) {
    scores.push((await detector.detect(image)).score);
  }
  if (scores.length === 0) throw new Error('calibrateDetector needs at least one known-real image');
  const { threshold, fpr } = calibrateThresholdAtFpr(scores, targetFpr);
  const calibration: DetectorCalibration = { threshold, targetFpr, fpr, count: scores.length };
  detector.setCalibration(calibration, options.abstainOddsRatio);
  return calibration;
}

/** Options of {@link fitCalibration}. */
export interface FitCalibrationOptions {
  /**
   * Highest acceptable share of the real images labelled `'fake'`, in [0, 1).
   * @defaultValue 0.05
   */
  readonly targetFpr?: number;
  /**
   * Highest acceptable share of the fake images labelled `'real'`, in [0, 1).
   * @defaultValue 0.05
   */
  readonly targetFnr?: number;
}

/** The error rates {@link fitCalibration} (and so the train program) calibrates at. */
export const DEFAULT_CALIBRATION_TARGETS = Object.freeze({ targetFpr: 0.05, targetFnr: 0.05 });

/** The largest double below `x`. */
function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] += x > 0 ? -1n : 1n;
  return f[0];
}

/**
 * Fits a threshold and an abstain band on the P(fake) of known-real and known-fake images (the
 * train program calls it on its validation split):
 *
 * - `threshold` (the band's upper edge): `calibrateThresholdAtFpr(realScores, targetFpr)`, as
 *   {@link calibrateDetector}; a score above it is `'fake'`, so at most `targetFpr` of these reals are.
 * - lower edge: with the n fake scores sorted ascending f₍₁₎ ≤ … ≤ f₍ₙ₎ and k = ⌊targetFnr·n⌋
 *   allowed misses, the highest score (real or fake) below f₍ₖ₊₁₎, capped at the threshold; a
 *   score at or below it is `'real'`, so at most `targetFnr` of these fakes are. With no score
 *   below f₍ₖ₊₁₎, the largest double below it.
 * - Scores in between are `'unsure'`: the band is as wide as the overlap of the two classes
 *   at these error rates, and empty (lower = upper) when they separate.
 *
 * Edges are observed scores, so the same scores give the same band. With few images the rates
 * are coarse (k = 0 below 1 / target images: the highest real and the lowest fake set the edges).
 *
 * @param realScores - P(fake) of known-real images.
 * @param fakeScores - P(fake) of known-fake images.
 * @param options - See {@link FitCalibrationOptions}.
 * @returns The calibration with its `band` (no `fittedOn`: the caller knows the images).
 * @throws When a class has no score, a score is not finite, or a target is outside [0, 1).
 *
 * @example
 * ```ts doctest
 * import { fitCalibration } from '@patchfx/models/detector';
 * const reals = [0.1, 0.2, 0.3, 0.6];
 * const fakes = [0.4, 0.7, 0.8, 0.9];
 * const c = fitCalibration(reals, fakes, { targetFpr: 0, targetFnr: 0 });
 * [c.threshold, c.band?.lower, c.band?.upper]; // => [0.6, 0.3, 0.6]
 * fitCalibration([0.1, 0.2], [0.8, 0.9], { targetFpr: 0, targetFnr: 0 }).band; // => { lower: 0.2, upper: 0.2, targetFnr: 0, fnr: 0, fakeCount: 2 }
 * ```
 */
export function fitCalibration(
  realScores: ArrayLike<number>,
  fakeScores: ArrayLike<number>,
  options: FitCalibrationOptions = {},
): DetectorCalibration {
  const { targetFpr, targetFnr } = { ...DEFAULT_CALIBRATION_TARGETS, ...options };
  for (const [name, v] of [
    ['targetFpr', targetFpr],
    ['targetFnr', targetFnr],
  ] as const) {
    if (!(typeof v === 'number' && v >= 0 && v < 1)) {
      throw new Error(`${name} must be a rate in [0, 1), got ${JSON.stringify(v)}`);
    }
  }
  if (realScores.length === 0 || fakeScores.length === 0) {
    throw new Error(
      `fitCalibration needs scores of both classes, got ${realScores.length} real and ${fakeScores.length} fake`,
    );
  }
  const { threshold, fpr } = calibrateThresholdAtFpr(realScores, targetFpr);
  const fakes = Float64Array.from(fakeScores).sort();
  if (!fakes.every(Number.isFinite)) throw new Error('fitCalibration: fakeScores must be finite');
  const n = fakes.length;
  const k = Math.floor(targetFnr * n + 1e-9);
  const cut = fakes[k];
  let lower = -Infinity;
  for (const s of [...Array.from(realScores), ...fakes]) if (s < cut && s > lower) lower = s;
  if (lower === -Infinity) lower = nextDown(cut);
  lower = Math.min(lower, threshold);
  let misses = 0;
  while (misses < n && fakes[misses] <= lower) misses++;
  return {
    threshold,
    targetFpr,
    fpr,
    count: realScores.length,
    band: { lower, upper: threshold, targetFnr, fnr: misses / n, fakeCount: n },
  };
}
