/**
 * Fitting a detector's threshold on a few known-real images of the user's domain.
 */
import { calibrateThresholdAtFpr } from '@patchfx/metrics';
import type { DetectorCalibration } from './decision.js';
import type { Detector } from './detector.js';
import type { DetectorInput } from './input.js';

/** Options of {@link calibrate}. */
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
 * import { buildPatchDiscriminator, calibrate, encodeCheckpoint, loadDetector, memoryCheckpointReader } from '@patchfx/models';
 * const model = buildPatchDiscriminator('xception_block1', { seed: 1 });
 * const files = await encodeCheckpoint({ model });
 * model.dispose();
 * const detector = await loadDetector({ read: memoryCheckpointReader(files), where: 'memory' }, { loadSize: 32 });
 * const reals = [10, 90, 170, 250].map((v) => ({ data: new Uint8Array(32 * 32 * 3).fill(v), width: 32, height: 32 }));
 * const { count, fpr } = await calibrate(detector, reals, { targetFpr: 0.25 });
 * [count, fpr <= 0.25]; // => [4, true]
 * detector.decision.calibration?.targetFpr; // => 0.25
 * detector.dispose();
 * ```
 */
export async function calibrate(
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
  if (scores.length === 0) throw new Error('calibrate needs at least one known-real image');
  const { threshold, fpr } = calibrateThresholdAtFpr(scores, targetFpr);
  const calibration: DetectorCalibration = { threshold, targetFpr, fpr, count: scores.length };
  detector.setCalibration(calibration, options.abstainOddsRatio);
  return calibration;
}
