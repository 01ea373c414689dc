/**
 * The generator-like stage of the synthetic benchmark: a 2× downsample followed by a
 * strided transposed convolution with fixed, seeded, per-phase-unnormalised kernels. It
 * leaves what real upsampling generators leave: a period-2 checkerboard, i.e. spectral peaks
 * at the Nyquist frequencies (Odena et al., "Deconvolution and checkerboard artifacts", 2016).
 */
import { FACE_PARTS, facePartIds, type FacePart } from '../parts.js';
import { mixSeeds, uniformStream } from '@patchfx/data';
import { gaussian } from './rng.js';
import type { SyntheticScene } from './scene.js';

/** Kernel sizes of the transposed convolution (stride 2, padding 1). */
export const TRACE_KERNEL_SIZES = Object.freeze([3, 4] as const);
/** A kernel size of the transposed convolution. */
export type TraceKernelSize = (typeof TRACE_KERNEL_SIZES)[number];

/** What the generator stage is and where it is applied. JSON-serialisable. */
export interface TraceConfig {
  /** Parts whose pixels get the generator's output. @defaultValue ['hair', 'background'] */
  readonly tracedParts: readonly FacePart[];
  /** Transposed-convolution kernel size (stride 2, padding 1). @defaultValue 4 */
  readonly kernelSize: TraceKernelSize;
  /**
   * Scale of the kernels' departure from a per-phase-normalised (bilinear) upsampler, i.e. of
   * the checkerboard. `0` leaves plain resampling (no checkerboard). @defaultValue 1
   */
  readonly strength: number;
  /** Seed of the generator's weights (one seed, one "generator"). @defaultValue 0 */
  readonly seed: number;
}

/** Defaults of {@link TraceConfig}. */
export const DEFAULT_TRACE_CONFIG: Readonly<TraceConfig> = Object.freeze({
  tracedParts: Object.freeze(['hair', 'background'] as FacePart[]),
  kernelSize: 4,
  strength: 1,
  seed: 0,
});

/**
 * Returns a complete, validated copy of a trace config.
 *
 * @throws When a part name, the kernel size, the strength or the seed is invalid; the message
 *   lists the allowed values.
 *
 * @example
 * ```ts doctest
 * import { resolveTraceConfig } from '@patchfx/segment';
 * resolveTraceConfig({ tracedParts: ['skin'] }).tracedParts; // => ['skin']
 * resolveTraceConfig({}).kernelSize; // => 4
 * ```
 */
export function resolveTraceConfig(config: Partial<TraceConfig> = {}): TraceConfig {
  const keys = Object.keys(DEFAULT_TRACE_CONFIG);
  for (const k of Object.keys(config)) {
    if (!keys.includes(k))
      throw new Error(`unknown trace option '${k}'; valid: ${keys.join(', ')}`);
  }
  const c = { ...DEFAULT_TRACE_CONFIG, ...config };
  if (!Array.isArray(c.tracedParts)) {
    throw new Error(
      `tracedParts must be an array of part names, got ${JSON.stringify(c.tracedParts)}`,
    );
  }
  facePartIds(c.tracedParts);
  if (!(TRACE_KERNEL_SIZES as readonly number[]).includes(c.kernelSize)) {
    throw new Error(`kernelSize must be one of 3 | 4, got ${JSON.stringify(c.kernelSize)}`);
  }
  if (!(c.strength >= 0) || !Number.isFinite(c.strength)) {
    throw new Error(`strength must be a finite number ≥ 0, got ${c.strength}`);
  }
  if (!Number.isInteger(c.seed)) throw new Error(`seed must be an integer, got ${c.seed}`);
  const parts = FACE_PARTS.filter((p) => c.tracedParts.includes(p));
  return { tracedParts: parts, kernelSize: c.kernelSize, strength: c.strength, seed: c.seed };
}

/**
 * The weights of one generator stage and the per-phase gains and offsets they imply.
 * JSON-serialisable (written to `legend.json`).
 */
export interface GeneratorStage {
  /** Kernel size k (the kernels are k×k, stride 2, padding 1). */
  readonly kernelSize: TraceKernelSize;
  /** Per output channel (R, G, B): the k×k kernel applied to that channel, row-major. */
  readonly kernels: readonly (readonly number[])[];
  /** Per output channel: the k×k kernel applied to the constant input map, row-major. */
  readonly biasKernels: readonly (readonly number[])[];
  /**
   * Per channel, per output phase (`(y mod 2) * 2 + (x mod 2)`): the sum of the kernel taps
   * that phase uses, i.e. its gain. A per-phase-normalised upsampler has all gains equal to 1.
   */
  readonly phaseGains: readonly (readonly number[])[];
  /** Per channel, per output phase: the additive offset from the constant map ([-1, 1] units). */
  readonly phaseOffsets: readonly (readonly number[])[];
}

/** Spread of the per-tap multiplicative jitter at strength 1. */
const GAIN_JITTER = 0.07;
/** Spread of the bias-kernel taps at strength 1 ([-1, 1] units). */
const OFFSET_JITTER = 0.014;

function baseKernel(k: TraceKernelSize): number[] {
  return k === 4 ? [0.25, 0.75, 0.75, 0.25] : [0.5, 1, 0.5];
}

/** Kernel row/column indices used by output phase `phase` (0 even, 1 odd), padding 1. */
function phaseTaps(k: TraceKernelSize, phase: number): number[] {
  const taps: number[] = [];
  for (let t = 0; t < k; t++) if ((phase + 1 - t) % 2 === 0) taps.push(t);
  return taps;
}

/**
 * Builds the fixed weights of a generator stage from a trace config (seeded).
 *
 * Each channel's kernel is the separable bilinear upsampling kernel (per-phase normalised:
 * every output phase sums to 1) times `1 + 0.07·strength·N(0, 1)` per tap, so the four output
 * phases get slightly different gains. A second kernel, applied to a constant input map (a
 * generator's bias feature), has taps `0.014·strength·N(0, 1)` made zero-mean over the phases,
 * so it adds a pure period-2 pattern.
 *
 * @param config - A trace config; missing fields take {@link DEFAULT_TRACE_CONFIG}.
 * @returns The stage's weights (plain numbers).
 * @throws When the config is invalid.
 *
 * @example
 * ```ts doctest
 * import { createGeneratorStage } from '@patchfx/segment';
 * const flat = createGeneratorStage({ strength: 0 });
 * flat.phaseGains[0]; // => [1, 1, 1, 1]
 * createGeneratorStage({ seed: 1 }).kernels[0].length; // => 16
 * ```
 */
export function createGeneratorStage(config: Partial<TraceConfig> = {}): GeneratorStage {
  const { kernelSize: k, strength, seed } = resolveTraceConfig(config);
  const rng = uniformStream(mixSeeds(seed, 0x7e57));
  const base = baseKernel(k);
  const kernels: number[][] = [];
  const biasKernels: number[][] = [];
  const phaseGains: number[][] = [];
  const phaseOffsets: number[][] = [];
  for (let ch = 0; ch < 3; ch++) {
    const kernel: number[] = [];
    const bias: number[] = [];
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        kernel.push(base[ky] * base[kx] * (1 + GAIN_JITTER * strength * gaussian(rng)));
        bias.push(OFFSET_JITTER * strength * gaussian(rng));
      }
    }
    const phaseSum = (w: number[], py: number, px: number) => {
      let s = 0;
      for (const ty of phaseTaps(k, py)) for (const tx of phaseTaps(k, px)) s += w[ty * k + tx];
      return s;
    };
    const offsets = [0, 1, 2, 3].map((ph) => phaseSum(bias, ph >> 1, ph & 1));
    const meanOffset = offsets.reduce((s, o) => s + o, 0) / 4;
    // Make the bias kernel zero-mean over the phases: subtract each phase's share per tap.
    for (let ph = 0; ph < 4; ph++) {
      const ys = phaseTaps(k, ph >> 1);
      const xs = phaseTaps(k, ph & 1);
      const share = meanOffset / (ys.length * xs.length);
      for (const ty of ys) for (const tx of xs) bias[ty * k + tx] -= share;
    }
    kernels.push(kernel);
    biasKernels.push(bias);
    phaseGains.push([0, 1, 2, 3].map((ph) => round(phaseSum(kernel, ph >> 1, ph & 1))));
    phaseOffsets.push([0, 1, 2, 3].map((ph) => round(phaseSum(bias, ph >> 1, ph & 1))));
  }
  return { kernelSize: k, kernels, biasKernels, phaseGains, phaseOffsets };
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/**
 * Runs the generator stage over a whole image: 2×2 box downsample, then the stride-2
 * transposed convolution (edges replicated, so there is no dark border), in [-1, 1] units.
 *
 * Input shape: `[size, size, 3]` row-major float in [0, 1], `size` even.
 * Output shape: the same, clamped to [0, 1].
 *
 * @param rgb - The clean image. Not modified.
 * @param size - Its side in pixels.
 * @param stage - The weights ({@link createGeneratorStage}).
 * @returns A new array (owned by the caller).
 * @throws When `rgb` does not hold `size * size * 3` values or `size` is odd.
 *
 * @example
 * ```ts doctest
 * import { createGeneratorStage, runGeneratorStage } from '@patchfx/segment';
 * const grey = new Float32Array(4 * 4 * 3).fill(0.5);
 * const out = runGeneratorStage(grey, 4, createGeneratorStage({ strength: 0 }));
 * Array.from(out.slice(0, 3)); // => [0.5, 0.5, 0.5]
 * ```
 */
export function runGeneratorStage(
  rgb: Float32Array,
  size: number,
  stage: GeneratorStage,
): Float32Array {
  if (size % 2 !== 0 || rgb.length !== size * size * 3) {
    throw new Error(`runGeneratorStage: expected an even size and size*size*3 values`);
  }
  const half = size / 2;
  const latent = new Float32Array(half * half * 3);
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < half; x++) {
      const p00 = 3 * (2 * y * size + 2 * x);
      const p10 = p00 + 3 * size;
      for (let ch = 0; ch < 3; ch++) {
        const m = (rgb[p00 + ch] + rgb[p00 + 3 + ch] + rgb[p10 + ch] + rgb[p10 + 3 + ch]) / 4;
        latent[3 * (y * half + x) + ch] = 2 * m - 1;
      }
    }
  }
  const k = stage.kernelSize;
  // For output coordinate o, the kernel taps t and input indices i with o = 2·i − 1 + t
  // (at most 2 per axis; edges replicated).
  const tapK = new Int32Array(size * 2).fill(-1);
  const tapI = new Int32Array(size * 2);
  for (let o = 0; o < size; o++) {
    let n = 0;
    for (let t = 0; t < k; t++) {
      if ((o + 1 - t) % 2 !== 0) continue;
      tapK[2 * o + n] = t;
      tapI[2 * o + n] = Math.min(half - 1, Math.max(0, (o + 1 - t) / 2));
      n++;
    }
  }
  const out = new Float32Array(size * size * 3);
  for (let ch = 0; ch < 3; ch++) {
    const w = Float64Array.from(stage.kernels[ch]);
    const offsets = Float64Array.from(stage.phaseOffsets[ch]);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let s = offsets[(y & 1) * 2 + (x & 1)];
        for (let a = 0; a < 2; a++) {
          const ky = tapK[2 * y + a];
          if (ky < 0) continue;
          const row = tapI[2 * y + a] * half;
          for (let c = 0; c < 2; c++) {
            const kx = tapK[2 * x + c];
            if (kx < 0) continue;
            s += w[ky * k + kx] * latent[3 * (row + tapI[2 * x + c]) + ch];
          }
        }
        const v = (s + 1) / 2;
        out[3 * (y * size + x) + ch] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return out;
}

/** A scene after the generator stage: the composited image and where the stage was applied. */
export interface TracedImage {
  /** Composited image, `[size, size, 3]` row-major float in [0, 1]. */
  readonly rgb: Float32Array;
  /** 1 where the generator's output was used (the traced parts), else 0; `[size, size]`. */
  readonly mask: Uint8Array;
}

/**
 * Fills every pixel outside `mask` with the colour of its nearest masked pixel (breadth-first
 * over 4-neighbours, in row-major order, so the result is deterministic): the traced layer as
 * if nothing stood in front of it. The generator stage runs on this layer, so its output near
 * the mask's edge is made of traced colours only and the untraced parts' colours never bleed
 * into the traced pixels (a real generator synthesises hair and background as a whole; it does
 * not smear the face that is later pasted over them).
 *
 * @param rgb - `[size, size, 3]` row-major. Not modified.
 * @param size - Image side in pixels.
 * @param mask - `[size, size]`, 1 inside the traced parts; at least one 1.
 * @returns A new array.
 */
export function extendTracedLayer(rgb: Float32Array, size: number, mask: Uint8Array): Float32Array {
  const out = Float32Array.from(rgb);
  const n = size * size;
  const source = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let p = 0; p < n; p++) {
    if (mask[p]) {
      source[p] = p;
      queue[tail++] = p;
    }
  }
  const visit = (from: number, q: number) => {
    if (source[q] >= 0) return;
    source[q] = source[from];
    queue[tail++] = q;
  };
  while (head < tail) {
    const p = queue[head++];
    const y = (p / size) | 0;
    const x = p - y * size;
    if (y > 0) visit(p, p - size);
    if (x > 0) visit(p, p - 1);
    if (x < size - 1) visit(p, p + 1);
    if (y < size - 1) visit(p, p + size);
  }
  for (let p = 0; p < n; p++) {
    const q = source[p];
    if (q === p || q < 0) continue;
    out[3 * p] = rgb[3 * q];
    out[3 * p + 1] = rgb[3 * q + 1];
    out[3 * p + 2] = rgb[3 * q + 2];
  }
  return out;
}

/**
 * Applies the generator stage to a scene and composites its output into the traced parts
 * only, with a hard mask: inside the mask the pixels are the stage's output, outside they are
 * the scene's, untouched. The stage sees the traced layer alone (`extendTracedLayer`), so
 * the evidence lies inside the traced parts, not along their edges with the untraced ones.
 *
 * @param scene - A scene from {@link renderScene}. Not modified.
 * @param config - Where and how (see {@link TraceConfig}); or a prebuilt stage together with
 *   the traced parts, to avoid rebuilding the weights per image.
 * @returns The composited image and the binary trace mask (new arrays, owned by the caller).
 * @throws When the config is invalid.
 *
 * @example
 * ```ts doctest
 * import { uniformStream } from '@patchfx/data';
 * import { applyGeneratorTrace, renderScene, FACE_PARTS } from '@patchfx/segment';
 * const scene = renderScene({ size: 64 }, uniformStream(5));
 * const { mask } = applyGeneratorTrace(scene, { tracedParts: ['hair'] });
 * mask.every((m, i) => m === (FACE_PARTS[scene.labels[i]] === 'hair' ? 1 : 0)); // => true
 * ```
 */
export function applyGeneratorTrace(
  scene: SyntheticScene,
  config:
    | Partial<TraceConfig>
    | { readonly stage: GeneratorStage; readonly tracedParts: readonly FacePart[] } = {},
): TracedImage {
  let stage: GeneratorStage;
  let parts: readonly FacePart[];
  if ('stage' in config) {
    stage = config.stage;
    parts = config.tracedParts;
  } else {
    const resolved = resolveTraceConfig(config);
    stage = createGeneratorStage(resolved);
    parts = resolved.tracedParts;
  }
  const ids = new Set(facePartIds(parts));
  const { size, labels } = scene;
  const mask = new Uint8Array(size * size);
  for (let p = 0; p < mask.length; p++) mask[p] = ids.has(labels[p]) ? 1 : 0;
  const rgb = Float32Array.from(scene.rgb);
  if (!mask.includes(1)) return { rgb, mask };
  const generated = runGeneratorStage(extendTracedLayer(scene.rgb, size, mask), size, stage);
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) continue;
    rgb[3 * p] = generated[3 * p];
    rgb[3 * p + 1] = generated[3 * p + 1];
    rgb[3 * p + 2] = generated[3 * p + 2];
  }
  return { rgb, mask };
}
