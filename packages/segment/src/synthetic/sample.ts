/**
 * One image of the synthetic benchmark, real or fake, as a pure function of (config, class,
 * index): the unit from which the dataset writer and in-memory demos are built.
 */
import { FACE_PARTS, type FacePart } from '../parts.js';
import { mixSeeds, uniformStream } from '@patchfx/data';
import { renderScene, resolveSceneOptions } from './scene.js';
import { applySensorNoise } from './sensor.js';
import {
  applyGeneratorTrace,
  createGeneratorStage,
  resolveTraceConfig,
  type GeneratorStage,
  type TraceKernelSize,
} from './trace.js';

/** The two classes of the benchmark. */
export const SYNTHETIC_CLASSES = Object.freeze(['real', 'fake'] as const);
/** A class of the benchmark. */
export type SyntheticClass = (typeof SYNTHETIC_CLASSES)[number];

/** What a synthetic benchmark is (everything but where it is written). JSON-serialisable. */
export interface SyntheticConfig {
  /** Image side in pixels (even, ≥ 32). @defaultValue 128 */
  readonly size: number;
  /** Seed of everything: scenes, noise and the generator's weights. @defaultValue 0 */
  readonly seed: number;
  /** Parts that carry the generator's traces in fakes. @defaultValue ['hair', 'background'] */
  readonly tracedParts: readonly FacePart[];
  /** Transposed-convolution kernel size. @defaultValue 4 */
  readonly kernelSize: TraceKernelSize;
  /** Checkerboard strength (0 = plain resampling). @defaultValue 1 */
  readonly strength: number;
  /** Probability of a hat per portrait. @defaultValue 0.06 */
  readonly hatProbability: number;
  /** Framing: magnification about the middle of the face (as `zoom` of the scene options). @defaultValue 1 */
  readonly zoom: number;
}

/** Defaults of {@link SyntheticConfig}. */
export const DEFAULT_SYNTHETIC_CONFIG: Readonly<SyntheticConfig> = Object.freeze({
  size: 128,
  seed: 0,
  tracedParts: Object.freeze(['hair', 'background'] as FacePart[]),
  kernelSize: 4,
  strength: 1,
  hatProbability: 0.06,
  zoom: 1,
});

/**
 * Returns a complete, validated copy of a synthetic benchmark config.
 *
 * @throws When a field is unknown or invalid; the message lists the allowed values.
 *
 * @example
 * ```ts doctest
 * import { resolveSyntheticConfig } from '@patchfx/segment';
 * resolveSyntheticConfig({ size: 64 }).tracedParts; // => ['background', 'hair']
 * ```
 */
export function resolveSyntheticConfig(config: Partial<SyntheticConfig> = {}): SyntheticConfig {
  const keys = Object.keys(DEFAULT_SYNTHETIC_CONFIG);
  for (const k of Object.keys(config)) {
    if (!keys.includes(k)) {
      throw new Error(`unknown synthetic option '${k}'; valid: ${keys.join(', ')}`);
    }
  }
  const c = { ...DEFAULT_SYNTHETIC_CONFIG, ...config };
  const scene = resolveSceneOptions({
    size: c.size,
    hatProbability: c.hatProbability,
    zoom: c.zoom,
  });
  const trace = resolveTraceConfig({
    tracedParts: c.tracedParts,
    kernelSize: c.kernelSize,
    strength: c.strength,
    seed: c.seed,
  });
  return Object.freeze({
    size: scene.size,
    seed: trace.seed,
    tracedParts: Object.freeze([...trace.tracedParts]),
    kernelSize: trace.kernelSize,
    strength: trace.strength,
    hatProbability: scene.hatProbability,
    zoom: scene.zoom,
  });
}

/** One synthetic image with its ground truth. All arrays are row-major. */
export interface SyntheticSample {
  /** Its class. */
  readonly kind: SyntheticClass;
  /** Its index within the class. */
  readonly index: number;
  /** Side in pixels. */
  readonly size: number;
  /** The image, `[size, size, 3]` uint8 RGB. */
  readonly rgb: Uint8Array;
  /** Part label per pixel (ids of {@link FACE_PARTS}), `[size, size]`. */
  readonly labels: Uint8Array;
  /** Fakes: 1 where the generator's traces are, else 0, `[size, size]`. Reals: `null`. */
  readonly trace: Uint8Array | null;
  /**
   * Only with `withClean` (fakes): the same scene with the same noise draws but without the
   * generator stage, `[size, size, 3]` uint8 — to measure what the stage changed.
   */
  readonly clean?: Uint8Array;
}

/** Per-call options of {@link synthesizeSample}. */
export interface SynthesizeSampleOptions {
  /** Also return the image without the generator stage (fakes only). @defaultValue false */
  readonly withClean?: boolean;
  /** A prebuilt stage for this config (saves rebuilding it per image). */
  readonly stage?: GeneratorStage;
}

const CLASS_SALT: Record<SyntheticClass, number> = { real: 0x5ea1, fake: 0xfa4e };

/**
 * Generates one image of the benchmark. A pure function of (config, kind, index): reals and
 * fakes are independent scenes drawn from the same distribution; fakes pass through the
 * generator stage inside the traced parts; both then get the same sensor process.
 *
 * @param kind - `'real'` or `'fake'`.
 * @param index - Index within the class (a non-negative integer).
 * @param config - The benchmark config; missing fields take {@link DEFAULT_SYNTHETIC_CONFIG}.
 * @param options - See {@link SynthesizeSampleOptions}.
 * @returns The image and its ground truth (new arrays, owned by the caller).
 * @throws When `kind`, `index` or the config is invalid.
 *
 * @example
 * ```ts doctest
 * import { synthesizeSample } from '@patchfx/segment';
 * const fake = synthesizeSample('fake', 0, { size: 64 });
 * fake.rgb.length; // => 64 * 64 * 3
 * fake.trace !== null && fake.trace.some((m) => m === 1); // => true
 * synthesizeSample('real', 0, { size: 64 }).trace; // => null
 * ```
 */
export function synthesizeSample(
  kind: SyntheticClass,
  index: number,
  config: Partial<SyntheticConfig> = {},
  options: SynthesizeSampleOptions = {},
): SyntheticSample {
  if (!(SYNTHETIC_CLASSES as readonly string[]).includes(kind)) {
    throw new Error(`kind must be one of 'real' | 'fake', got ${JSON.stringify(kind)}`);
  }
  if (!Number.isInteger(index) || index < 0) {
    throw new Error(`index must be a non-negative integer, got ${index}`);
  }
  const c = resolveSyntheticConfig(config);
  const salt = CLASS_SALT[kind];
  const scene = renderScene(
    { size: c.size, hatProbability: c.hatProbability, zoom: c.zoom },
    uniformStream(mixSeeds(c.seed, salt, index, 1)),
  );
  const noiseSeed = mixSeeds(c.seed, salt, index, 2);
  if (kind === 'real') {
    const rgb = applySensorNoise(scene.rgb, uniformStream(noiseSeed));
    return { kind, index, size: c.size, rgb, labels: scene.labels, trace: null };
  }
  const stage =
    options.stage ??
    createGeneratorStage({ kernelSize: c.kernelSize, strength: c.strength, seed: c.seed });
  const traced = applyGeneratorTrace(scene, { stage, tracedParts: c.tracedParts });
  const rgb = applySensorNoise(traced.rgb, uniformStream(noiseSeed));
  const sample: SyntheticSample = {
    kind,
    index,
    size: c.size,
    rgb,
    labels: scene.labels,
    trace: traced.mask,
  };
  if (!options.withClean) return sample;
  return { ...sample, clean: applySensorNoise(scene.rgb, uniformStream(noiseSeed)) };
}

/**
 * The label legend of the synthetic label maps, as written to `legend.json`.
 *
 * @returns A new object: label id (as a string key) → part name.
 *
 * @example
 * ```ts doctest
 * import { syntheticLegend } from '@patchfx/segment';
 * syntheticLegend()['9']; // => 'hair'
 * ```
 */
export function syntheticLegend(): Record<string, FacePart> {
  return Object.fromEntries(FACE_PARTS.map((p, i) => [String(i), p]));
}
