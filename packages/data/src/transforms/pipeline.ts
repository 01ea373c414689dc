/**
 * The reference's train / validation / test transform pipelines (spec §3.4) as composable
 * functions with a typed, JSON-serialisable config.
 */
import type { RgbImage } from '../image.js';
import type { Rng } from '../random.js';
import { resizeShorterSide } from '../resize.js';
import {
  adjustBrightnessContrast,
  adjustGamma,
  boxBlur,
  gaussianBlur,
  jpegRecompress,
  resizeRoundTrip,
} from './filters.js';
import { centerCrop, flipHorizontal, randomCrop, randomResizedCrop } from './geometry.js';

/** Centre crop, skipping the copy when the image already has the crop's size. */
const crop = (image: RgbImage, size: number) =>
  image.width === size && image.height === size ? image : centerCrop(image, size);

/** Which pipeline: training (random), validation or test (deterministic). */
export const TRANSFORM_MODES = Object.freeze(['train', 'val', 'test'] as const);
export type TransformMode = (typeof TRANSFORM_MODES)[number];

/** The transform options of the reference (`--loadSize`, `--random_crop`, `--test_blur`, …). */
export interface TransformConfig {
  /** Shorter side after the first resize (`--loadSize`). @defaultValue 256 */
  readonly loadSize: number;
  /** Training crop size, and the eval crop of full models (`--fineSize`). @defaultValue 256 */
  readonly fineSize: number;
  /**
   * Patch model: validation/test keep the whole resized image (centre crop to `loadSize`);
   * full models centre-crop to `fineSize`. @defaultValue true
   */
  readonly patchModel: boolean;
  /** Training: resize to `loadSize`, then a random `fineSize` crop. @defaultValue false */
  readonly randomCrop: boolean;
  /** Training: torchvision RandomResizedCrop to `fineSize` from the source image. @defaultValue false */
  readonly randomResizedCrop: boolean;
  /** Training: no random horizontal flip (flip p = 0.5 is on by default). @defaultValue false */
  readonly noFlip: boolean;
  /**
   * Training: probability p of the CNNDetection augmentation (Gaussian blur σ ~ U(0, 3) with
   * probability p, then JPEG at quality ~ U{30…100} with probability p); 0 = off. @defaultValue 0
   */
  readonly cnnDetectionAugment: number;
  /**
   * Training: colour augmentation, each with p = 0.5: brightness/contrast (±0.2), gamma
   * U{80…120}/100. (The reference also had CLAHE; patchfx omits it.) @defaultValue false
   */
  readonly colorAugment: boolean;
  /**
   * Training: the reference's `--all_augment`, each with p = 0.5: 3×3 box blur, JPEG
   * U{30…100}, brightness/contrast, gamma (CLAHE omitted). @defaultValue false
   */
  readonly allAugment: boolean;
  /** Test: always flip (`--test_flip`). @defaultValue false */
  readonly testFlip: boolean;
  /** Test: JPEG re-compression at this quality (`--test_compression Q`); null = off. @defaultValue null */
  readonly testCompression: number | null;
  /** Test: box blur with this kernel size (`--test_blur K`); null = off. @defaultValue null */
  readonly testBlur: number | null;
  /** Test: gamma G/100 (`--test_gamma G`); null = off. @defaultValue null */
  readonly testGamma: number | null;
  /** Test: resize by this factor and back (Lanczos); null = off. @defaultValue null */
  readonly testResize: number | null;
}

/** Defaults of {@link TransformConfig} (the reference's base options). */
export const DEFAULT_TRANSFORM_CONFIG: Readonly<TransformConfig> = Object.freeze({
  loadSize: 256,
  fineSize: 256,
  patchModel: true,
  randomCrop: false,
  randomResizedCrop: false,
  noFlip: false,
  cnnDetectionAugment: 0,
  colorAugment: false,
  allAugment: false,
  testFlip: false,
  testCompression: null,
  testBlur: null,
  testGamma: null,
  testResize: null,
});

function positiveInt(what: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new Error(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  }
}

/**
 * Fills in defaults and validates a transform config.
 *
 * @param partial - Fields to set; the rest come from {@link DEFAULT_TRANSFORM_CONFIG}.
 * @returns A complete copy.
 * @throws When a field is out of range, or both `randomCrop` and `randomResizedCrop` are set.
 *
 * @example
 * ```ts doctest
 * import { resolveTransformConfig } from '@patchfx/data';
 * resolveTransformConfig({ loadSize: 299, fineSize: 299 }).noFlip; // => false
 * ```
 */
export function resolveTransformConfig(partial: Partial<TransformConfig> = {}): TransformConfig {
  const c: TransformConfig = { ...DEFAULT_TRANSFORM_CONFIG, ...partial };
  positiveInt('loadSize', c.loadSize);
  positiveInt('fineSize', c.fineSize);
  if (c.randomCrop && c.randomResizedCrop) {
    throw new Error('randomCrop and randomResizedCrop are exclusive: set at most one');
  }
  if (c.randomCrop && c.fineSize > c.loadSize) {
    throw new Error(`randomCrop needs fineSize ≤ loadSize, got ${c.fineSize} > ${c.loadSize}`);
  }
  if (!(c.cnnDetectionAugment >= 0 && c.cnnDetectionAugment <= 1)) {
    throw new Error(
      `cnnDetectionAugment must be a probability in [0, 1], got ${c.cnnDetectionAugment}`,
    );
  }
  if (
    c.testCompression !== null &&
    !(Number.isInteger(c.testCompression) && c.testCompression >= 1 && c.testCompression <= 100)
  ) {
    throw new Error(
      `testCompression must be null or a JPEG quality in 1…100, got ${c.testCompression}`,
    );
  }
  if (c.testBlur !== null) positiveInt('testBlur', c.testBlur);
  if (c.testGamma !== null && !(c.testGamma > 0))
    throw new Error(`testGamma must be null or > 0, got ${c.testGamma}`);
  if (c.testResize !== null && !(c.testResize > 0))
    throw new Error(`testResize must be null or > 0, got ${c.testResize}`);
  for (const k of [
    'patchModel',
    'randomCrop',
    'randomResizedCrop',
    'noFlip',
    'colorAugment',
    'allAugment',
    'testFlip',
  ] as const) {
    if (typeof c[k] !== 'boolean')
      throw new Error(`${k} must be true | false, got ${JSON.stringify(c[k])}`);
  }
  return c;
}

/** The output side of a pipeline for a square source: train → fineSize; eval → loadSize (patch) or fineSize. */
export function transformOutputSize(config: TransformConfig, mode: TransformMode): number {
  if (mode === 'train') return config.fineSize;
  return config.patchModel ? config.loadSize : config.fineSize;
}

/**
 * The CNNDetection augmentation (Wang et al. 2020): with probability `p` a Gaussian blur with
 * σ ~ U(0, 3), then with probability `p` JPEG re-compression at quality ~ U{30…100}.
 * Draw order: blur coin, σ, JPEG coin, quality.
 *
 * @returns A new image owned by the caller.
 */
export async function cnnDetectionAugment(image: RgbImage, p: number, rng: Rng): Promise<RgbImage> {
  let out = image;
  if (rng.bool(p)) out = gaussianBlur(out, rng.uniform(0, 3));
  if (rng.bool(p)) out = await jpegRecompress(out, rng.int(30, 100));
  return out;
}

/**
 * Colour augmentation, each step with probability 0.5: brightness/contrast (alpha
 * 1 + U(−0.2, 0.2), beta U(−0.2, 0.2)), then gamma U{80…120}/100. CLAHE is omitted.
 *
 * @returns A new image owned by the caller (or `image` when nothing was applied).
 */
export function colorAugment(image: RgbImage, rng: Rng): RgbImage {
  let out = image;
  if (rng.bool(0.5)) {
    const alpha = 1 + rng.uniform(-0.2, 0.2);
    const beta = rng.uniform(-0.2, 0.2);
    out = adjustBrightnessContrast(out, alpha, beta);
  }
  if (rng.bool(0.5)) out = adjustGamma(out, rng.int(80, 120) / 100);
  return out;
}

/**
 * The training pipeline: geometry (random resized crop | resize + random crop | resize + centre
 * crop), CNNDetection augmentation, colour augmentation, `--all_augment`, horizontal flip
 * (p = 0.5 unless `noFlip`). Normalisation is separate ({@link normalizeImage}).
 *
 * Every random draw comes from `rng`, in that order, so one seed gives one result.
 *
 * @returns A new `fineSize × fineSize` image owned by the caller.
 */
export async function trainTransform(
  image: RgbImage,
  config: TransformConfig,
  rng: Rng,
): Promise<RgbImage> {
  let out: RgbImage;
  if (config.randomResizedCrop) out = randomResizedCrop(image, config.fineSize, rng, 'lanczos');
  else if (config.randomCrop)
    out = randomCrop(resizeShorterSide(image, config.loadSize), config.fineSize, rng);
  else out = crop(resizeShorterSide(image, config.loadSize), config.fineSize);
  if (config.cnnDetectionAugment > 0)
    out = await cnnDetectionAugment(out, config.cnnDetectionAugment, rng);
  if (config.colorAugment) out = colorAugment(out, rng);
  if (config.allAugment) {
    if (rng.bool(0.5)) out = boxBlur(out, 3);
    if (rng.bool(0.5)) out = await jpegRecompress(out, rng.int(30, 100));
    out = colorAugment(out, rng);
  }
  if (!config.noFlip && rng.bool(0.5)) out = flipHorizontal(out);
  return out;
}

/**
 * The validation/test pipeline: resize the shorter side to `loadSize` (Lanczos), centre crop to
 * `loadSize` (patch models) or `fineSize` (full models), then the test-time perturbations in
 * this order: JPEG (`testCompression`), box blur (`testBlur`), gamma (`testGamma`),
 * resize-then-back (`testResize`), flip (`testFlip`). Deterministic.
 *
 * @returns A new image owned by the caller.
 */
export async function evalTransform(image: RgbImage, config: TransformConfig): Promise<RgbImage> {
  const side = config.patchModel ? config.loadSize : config.fineSize;
  let out = crop(resizeShorterSide(image, config.loadSize), side);
  if (config.testCompression !== null) out = await jpegRecompress(out, config.testCompression);
  if (config.testBlur !== null) out = boxBlur(out, config.testBlur);
  if (config.testGamma !== null) out = adjustGamma(out, config.testGamma / 100);
  if (config.testResize !== null) out = resizeRoundTrip(out, config.testResize);
  if (config.testFlip) out = flipHorizontal(out);
  return out;
}

/**
 * One function for both: {@link trainTransform} for `'train'`, {@link evalTransform} otherwise
 * (`rng` unused).
 *
 * @returns A new image owned by the caller.
 */
export function applyTransform(
  image: RgbImage,
  config: TransformConfig,
  mode: TransformMode,
  rng: Rng,
): Promise<RgbImage> {
  return mode === 'train' ? trainTransform(image, config, rng) : evalTransform(image, config);
}
