/**
 * The detector's construction settings, their defaults and validation.
 */
import { parseAverageMode, type AverageMode } from '@patchfx/metrics';
import type {
  CheckpointPreprocessing,
  CheckpointReader,
  LoadedCheckpoint,
} from '../io/checkpoint.js';
import { modelName, referenceSizes } from '../variants.js';
import { checkCalibration, type DetectorCalibration } from './decision.js';
import type { ResolvedSizes } from './preprocess.js';

/**
 * What a detector is set up with. JSON-serialisable (a stored calibration included), so an app
 * can save it beside the model.
 */
export interface DetectorConfig {
  /**
   * Shorter side after the Lanczos resize (`--loadSize`); patch models then see the centre
   * `loadSize × loadSize` square. `null`: what the checkpoint records (`checkpoint.json`),
   * else the run's `opt.yml`, else the architecture's reference crop size (`fineSize` of
   * `referenceSizes`: 299 for Xception-based models, 224 for ResNets).
   * @defaultValue null
   */
  readonly loadSize: number | null;
  /**
   * Centre crop of full-image models (`--fineSize`); patch models ignore it, as evaluation
   * does. `null`: from the checkpoint, else `opt.yml`, else `loadSize`.
   * @defaultValue null
   */
  readonly fineSize: number | null;
  /**
   * How the patch map becomes one score (the reference's `--average_mode`).
   * @defaultValue 'after_softmax'
   */
  readonly averageMode: AverageMode;
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
   * A threshold (and band) fitted by `calibrateDetector` or `fitCalibration`; it then replaces
   * `threshold`. `loadDetector` takes the checkpoint's stored calibration (the train program
   * stores one) unless `calibration` or `threshold` is given.
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
  averageMode: 'after_softmax',
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
 * import { resolveDetectorConfig } from '@patchfx/models/detector';
 * resolveDetectorConfig({ loadSize: 128 }).averageMode; // => 'after_softmax'
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
  parseAverageMode(c.averageMode);
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
  if (c.calibration !== null) checkCalibration(c.calibration, 'calibration');
  if (!(Number.isInteger(c.topk) && c.topk >= 1)) {
    throw new Error(`topk must be a positive integer, got ${JSON.stringify(c.topk)}`);
  }
  if (typeof c.foldBatchNorm !== 'boolean') {
    throw new Error(`foldBatchNorm must be true or false, got ${JSON.stringify(c.foldBatchNorm)}`);
  }
  return { ...c };
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
 * import { readOptYmlSizes } from '@patchfx/models/detector';
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

/** A warning, e.g. what a detector assumed about a checkpoint that does not say. */
export type OnWarning = (message: string) => void;

async function readOptYml(
  read: CheckpointReader,
): Promise<{ loadSize?: number; fineSize?: number; file?: string }> {
  for (const name of ['opt.yml', '../opt.yml']) {
    const bytes = await read(name);
    if (bytes) {
      const sizes = readOptYmlSizes(new TextDecoder().decode(bytes));
      if (sizes.loadSize !== undefined || sizes.fineSize !== undefined) {
        return { ...sizes, file: name };
      }
    }
  }
  return {};
}

/**
 * Resolves a detector's preprocessing sizes: the `loadSize`/`fineSize` options, else what the
 * checkpoint records (`manifest.preprocessing`), else an `opt.yml` in the checkpoint folder or
 * its parent (read through `read`), else the architecture's reference crop size (`fineSize` of
 * `referenceSizes`, for loadSize and fineSize alike). A checkpoint that
 * records no preprocessing (saved by an older patchfx) gets a warning saying what was assumed
 * and from where, unless the options give the size.
 *
 * @param config - The detector config (its `loadSize`/`fineSize`).
 * @param checkpoint - The loaded checkpoint: its manifest (the stored preprocessing) and the
 *   model's config.
 * @param read - Reads `opt.yml` beside the checkpoint; none: not looked for.
 * @param where - The checkpoint's path or URL, for the warning.
 * @param onWarning - Where the warning goes.
 * @returns The sizes and their source.
 */
export async function resolveDetectorSizes(
  config: Pick<DetectorConfig, 'loadSize' | 'fineSize'>,
  checkpoint: {
    readonly manifest: { readonly preprocessing?: CheckpointPreprocessing };
    readonly metadata: LoadedCheckpoint['metadata'];
  },
  read: CheckpointReader | null,
  where: string | null,
  onWarning: OnWarning,
): Promise<ResolvedSizes> {
  const stored: CheckpointPreprocessing | undefined = checkpoint.manifest.preprocessing;
  if (config.loadSize !== null) {
    let fine = config.fineSize ?? stored?.fineSize;
    if (fine === undefined && read) fine = (await readOptYml(read)).fineSize;
    return { loadSize: config.loadSize, fineSize: fine ?? config.loadSize, sizeSource: 'options' };
  }
  if (stored) {
    return {
      loadSize: stored.loadSize,
      fineSize: config.fineSize ?? stored.fineSize,
      sizeSource: 'checkpoint',
    };
  }
  const yml = read ? await readOptYml(read) : {};
  const model = checkpoint.metadata.config;
  const reference = referenceSizes(model).fineSize;
  const sizes: ResolvedSizes =
    yml.loadSize !== undefined
      ? {
          loadSize: yml.loadSize,
          fineSize: config.fineSize ?? yml.fineSize ?? yml.loadSize,
          sizeSource: 'opt.yml',
        }
      : {
          loadSize: reference,
          fineSize: config.fineSize ?? reference,
          sizeSource: 'default',
        };
  const from =
    sizes.sizeSource === 'opt.yml'
      ? `the ${yml.file === 'opt.yml' ? 'opt.yml in the folder' : 'opt.yml of the run folder above it'}`
      : `the reference size of ${modelName(model)} (opt.yml not found)`;
  const onnx = where?.toLowerCase().endsWith('.onnx') ?? false;
  const what = where ? `${onnx ? 'ONNX file' : 'checkpoint'} '${where}'` : 'the model';
  onWarning(
    `${what} does not record its preprocessing (${onnx ? 'exported without it' : 'saved by an older patchfx, or a bare model.json'}): ` +
      `assumed loadSize ${sizes.loadSize}, fineSize ${sizes.fineSize} from ${from}. ` +
      (onnx
        ? 'If the model was trained at another size, pass loadSize/fineSize; export it with `npm run export-onnx` to record it.'
        : 'If the model was trained at another size, pass loadSize/fineSize; re-save it with saveCheckpoint(dir, { model, preprocessing }) to record it.'),
  );
  return sizes;
}

/**
 * The calibration a detector starts with: the options' `calibration` when given (even `null`),
 * none when the options give a `threshold`, else the checkpoint's stored one; with an explicit
 * `abstainOddsRatio`, the stored threshold gets the odds band instead of its fitted band.
 *
 * @param options - The options as the caller gave them.
 * @param stored - The checkpoint's calibration, if any.
 * @returns The calibration to use, or `null`.
 */
export function chooseCalibration(
  options: Partial<DetectorConfig>,
  stored: DetectorCalibration | undefined,
): DetectorCalibration | null {
  if (options.calibration !== undefined) return options.calibration;
  if (options.threshold !== undefined || !stored) return null;
  if (options.abstainOddsRatio !== undefined && stored.band) {
    const { band: _band, ...rest } = stored;
    return rest;
  }
  return stored;
}
