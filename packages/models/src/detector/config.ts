/**
 * The detector's construction settings, their defaults and validation.
 */
import { resolveAverageMode, type ImageAverageMode } from '@patchfx/metrics';
import type { DetectorCalibration } from './decision.js';

/**
 * What a detector is set up with. JSON-serialisable (a stored calibration included), so an app
 * can save it beside the model.
 */
export interface DetectorConfig {
  /**
   * Shorter side after the Lanczos resize (`--loadSize`); patch models then see the centre
   * `loadSize × loadSize` square. `null`: from the run's `opt.yml`, else the architecture's
   * reference size (see {@link defaultInputSize}).
   * @defaultValue null
   */
  readonly loadSize: number | null;
  /**
   * Centre crop of full-image models (`--fineSize`); patch models ignore it, as evaluation
   * does. `null`: from `opt.yml`, else `loadSize`.
   * @defaultValue null
   */
  readonly fineSize: number | null;
  /**
   * How the patch map becomes one score (the reference's `--average_mode`).
   * @defaultValue 'after_softmax'
   */
  readonly mode: ImageAverageMode;
  /**
   * Threshold on P(fake) when there is no calibration.
   * @defaultValue 0.5
   */
  readonly threshold: number;
  /**
   * Width of the abstain band around the threshold, as an odds ratio ≥ 1 (see `abstainBand`):
   * 1.5 makes P(fake) in (0.4, 0.6] `'unsure'` around 0.5. 1 turns the band off.
   * @defaultValue 1.5
   */
  readonly abstainOddsRatio: number;
  /**
   * A threshold fitted by `calibrate` (it then replaces `threshold`).
   * @defaultValue null
   */
  readonly calibration: DetectorCalibration | null;
  /**
   * How many patches `explain` and `report` return when not told.
   * @defaultValue 5
   */
  readonly topk: number;
  /**
   * Run the model with its BatchNorms folded into the convolutions (`foldBatchNorm`): faster,
   * and the same scores within float rounding. The detector folds the weights once, when it
   * is made; `false` runs `model.predict` as it is.
   * @defaultValue true
   */
  readonly foldBatchNorm: boolean;
}

/** Defaults of {@link DetectorConfig}. */
export const DEFAULT_DETECTOR_CONFIG: Readonly<DetectorConfig> = Object.freeze({
  loadSize: null,
  fineSize: null,
  mode: 'after_softmax',
  threshold: 0.5,
  abstainOddsRatio: 1.5,
  calibration: null,
  topk: 5,
  foldBatchNorm: true,
});

const positiveIntOrNull = (what: string, v: unknown) => {
  if (v !== null && !(Number.isInteger(v) && (v as number) >= 1)) {
    throw new Error(`${what} must be a positive integer or null, got ${JSON.stringify(v)}`);
  }
};

/**
 * Returns a complete, validated copy of a detector config.
 *
 * @param config - Fields to set; the rest come from {@link DEFAULT_DETECTOR_CONFIG}.
 * @returns A new config.
 * @throws When a field is unknown or invalid; the message lists the allowed values.
 *
 * @example
 * ```ts doctest
 * import { resolveDetectorConfig } from '@patchfx/models';
 * resolveDetectorConfig({ loadSize: 128 }).mode; // => 'after_softmax'
 * ```
 */
export function resolveDetectorConfig(config: Partial<DetectorConfig> = {}): DetectorConfig {
  const keys = Object.keys(DEFAULT_DETECTOR_CONFIG);
  for (const k of Object.keys(config)) {
    if (!keys.includes(k)) {
      throw new Error(`unknown detector option '${k}'; valid: ${keys.join(', ')}`);
    }
  }
  const c: DetectorConfig = { ...DEFAULT_DETECTOR_CONFIG, ...config };
  positiveIntOrNull('loadSize', c.loadSize);
  positiveIntOrNull('fineSize', c.fineSize);
  if (resolveAverageMode(c.mode) === 'raw') {
    throw new Error(
      "mode must be one of 'vote' | 'before_softmax' | 'after_softmax', got 'raw' (the per-patch map is always in the result)",
    );
  }
  if (!(typeof c.threshold === 'number' && c.threshold >= 0 && c.threshold <= 1)) {
    throw new Error(
      `threshold must be a probability in [0, 1], got ${JSON.stringify(c.threshold)}`,
    );
  }
  if (!(typeof c.abstainOddsRatio === 'number' && c.abstainOddsRatio >= 1)) {
    throw new Error(
      `abstainOddsRatio must be a number ≥ 1 (1 = no abstain band), got ${JSON.stringify(c.abstainOddsRatio)}`,
    );
  }
  if (c.calibration !== null) {
    const cal = c.calibration;
    if (
      typeof cal !== 'object' ||
      typeof cal.threshold !== 'number' ||
      Number.isNaN(cal.threshold) ||
      !(cal.targetFpr >= 0 && cal.targetFpr <= 1)
    ) {
      throw new Error(
        `calibration must be what calibrate() returned ({ threshold, targetFpr, fpr, count }), got ${JSON.stringify(cal)}`,
      );
    }
  }
  if (!(Number.isInteger(c.topk) && c.topk >= 1)) {
    throw new Error(`topk must be a positive integer, got ${JSON.stringify(c.topk)}`);
  }
  if (typeof c.foldBatchNorm !== 'boolean') {
    throw new Error(`foldBatchNorm must be true or false, got ${JSON.stringify(c.foldBatchNorm)}`);
  }
  return { ...c };
}

/**
 * The input size a model gets when neither the options nor an `opt.yml` give one: the
 * reference scripts' training size, 299 for Xception-based models and 224 for ResNets
 * (loadSize = fineSize).
 *
 * @param whichModelNetD - The model name, e.g. `'xception_block2'`.
 * @returns The side in pixels.
 *
 * @example
 * ```ts doctest
 * import { defaultInputSize } from '@patchfx/models';
 * defaultInputSize('xception_block2'); // => 299
 * defaultInputSize('resnet18_layer1'); // => 224
 * ```
 */
export function defaultInputSize(whichModelNetD: string): number {
  return whichModelNetD.startsWith('resnet') ? 224 : 299;
}

/**
 * Reads `loadSize` and `fineSize` from the text of an `opt.yml` (the flat `key: value` file the
 * train program writes beside its checkpoints). Other keys are ignored.
 *
 * @param text - The file's contents.
 * @returns The sizes found (either may be missing).
 *
 * @example
 * ```ts doctest
 * import { readOptYmlSizes } from '@patchfx/models';
 * readOptYmlSizes('model: patch_discriminator\nloadSize: 128\nfineSize: 128\n'); // => { loadSize: 128, fineSize: 128 }
 * ```
 */
export function readOptYmlSizes(text: string): { loadSize?: number; fineSize?: number } {
  const out: { loadSize?: number; fineSize?: number } = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^(loadSize|fineSize)\s*:\s*['"]?(\d+)['"]?\s*(#.*)?$/.exec(line);
    if (m) out[m[1] as 'loadSize' | 'fineSize'] = Number(m[2]);
  }
  return out;
}
