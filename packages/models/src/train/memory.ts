/**
 * How much memory one training pass takes, and how many images a pass may hold on a backend
 * with a hard memory limit (tfjs-backend-wasm: a 32-bit heap of at most 4 GiB − 64 KiB).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Bytes kept until the backward pass per byte of a layer's output, by layer class, measured on
 * wasm (see docs/performance.md, "Memory"): what the gradient tape holds for that layer (its
 * output, and the intermediates its gradient needs) plus the gradients alive when the backward
 * pass reaches it.
 */
export const MEMORY_FACTORS = Object.freeze({
  /** Normalised input, centred input and output of a training-mode batch norm, and its gradients. */
  PatchfxBatchNorm: 4.3,
  /** Every other layer: its output and, during the backward pass, its gradient. */
  default: 1.8,
} as const);

/**
 * Bytes per trainable parameter: the weight, its gradient, Adam's two moments and the update's
 * temporaries (float32), fitted with {@link MEMORY_FACTORS}.
 */
export const BYTES_PER_PARAMETER = 22;

/** One layer's share of {@link estimateTrainingMemory}. */
export interface LayerMemory {
  /** The layer's name in the model. */
  readonly name: string;
  /** Its class (`getClassName()`), which picks its factor in {@link MEMORY_FACTORS}. */
  readonly className: string;
  /** Bytes of the layer's output for the whole pass (`batch` images, float32). */
  readonly outputBytes: number;
  /** `outputBytes` × the layer class's factor. */
  readonly keptBytes: number;
}

/** What {@link estimateTrainingMemory} returns (bytes). */
export interface TrainingMemoryEstimate {
  /** Activations and gradients of one forward + backward pass of `batch` images. */
  readonly activationBytes: number;
  /** Weights, gradients and Adam state (independent of the batch). */
  readonly parameterBytes: number;
  /** `activationBytes + parameterBytes` plus the input batch. */
  readonly totalBytes: number;
  readonly layers: readonly LayerMemory[];
}

type Shape = (number | null)[];

/** Output shapes of every layer for a `[batch, size, size, 3]` input, from the layer graph. */
function layerShapes(model: LayersModel, size: number, batch: number): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const layer of model.layers) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length === 0) {
      const input = (layer.batchInputShape ?? [null, null, null, 3]) as Shape;
      shapes.set(layer.name, [batch, size, size, input[input.length - 1] ?? 3]);
      continue;
    }
    const ins = inbound.map((l) => shapes.get(l.name)!);
    const out = layer.computeOutputShape(ins.length === 1 ? ins[0] : ins) as Shape | Shape[];
    const one = (Array.isArray(out[0]) ? out[0] : out) as Shape;
    shapes.set(
      layer.name,
      one.map((d, i) => (i === 0 ? batch : (d ?? 0))),
    );
  }
  return shapes;
}

/**
 * Estimates the memory of one training pass (forward in training mode, per-patch loss,
 * backward, Adam update) of `batch` images of `size`×`size` for a patchfx model, from the
 * model's own layer graph: Σ over layers of the layer's output bytes × a per-class factor
 * ({@link MEMORY_FACTORS}, measured on wasm) + the parameters × {@link BYTES_PER_PARAMETER} +
 * the input. No tensor is created.
 *
 * @param model - A model from `buildPatchDiscriminator` (any variant).
 * @param size - Input height and width in pixels.
 * @param batch - Images in the pass.
 * @throws When `size` or `batch` is not a positive integer.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator } from '@patchfx/models';
 * import { estimateTrainingMemory } from '@patchfx/models/train';
 * const model = buildPatchDiscriminator('xception_block2');
 * // About 1.8 GiB for 32 images of 128² (measured on wasm: 58 MiB per image).
 * Math.round(estimateTrainingMemory(model, 128, 32).totalBytes / 2 ** 30 * 10) / 10; // => 1.8
 * model.dispose();
 * ```
 */
export function estimateTrainingMemory(
  model: LayersModel,
  size: number,
  batch: number,
): TrainingMemoryEstimate {
  positiveInteger(size, 'size', 'the input height and width in pixels, e.g. 128');
  positiveInteger(batch, 'batch', 'images per pass, e.g. 32');
  const shapes = layerShapes(model, size, batch);
  const layers: LayerMemory[] = [];
  let activationBytes = 0;
  let inputBytes = 0;
  for (const layer of model.layers) {
    const shape = shapes.get(layer.name)!;
    const outputBytes = 4 * shape.reduce((a, b) => a * b, 1);
    const className = layer.getClassName();
    if ((layer.inboundNodes[0]?.inboundLayers ?? []).length === 0) {
      inputBytes += outputBytes;
      continue;
    }
    const factor = (MEMORY_FACTORS as Record<string, number>)[className] ?? MEMORY_FACTORS.default;
    const keptBytes = outputBytes * factor;
    activationBytes += keptBytes;
    layers.push({ name: layer.name, className, outputBytes, keptBytes });
  }
  const parameterBytes =
    BYTES_PER_PARAMETER *
    model.trainableWeights.reduce(
      (a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1),
      0,
    );
  return {
    activationBytes,
    parameterBytes,
    totalBytes: activationBytes + parameterBytes + inputBytes,
    layers,
  };
}

/**
 * Size in bytes of the active backend's wasm heap, or null when the active backend is not
 * wasm. The heap only grows: read after a step, it is that step's high-water mark.
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.length ?? null;
}

function positiveInteger(x: number, name: string, hint: string): void {
  if (!Number.isInteger(x) || x < 1)
    throw new Error(`${name} must be a positive integer (${hint}), got ${String(x)}`);
}

/** The largest wasm heap tfjs-backend-wasm 4.22 can grow to: its `getHeapMax()`, 4 GiB − 64 KiB. */
export const WASM_HEAP_MAX_BYTES = 4_294_901_760;

/**
 * What {@link planMicroBatch} keeps free of the wasm heap: the runtime's initial 16 MiB, the
 * allocator's slack, and the margin for the estimate's error (it came within −7 % … +5 % of the
 * measured peaks it was fitted on; 8 % of the heap). Measured on tfjs-backend-wasm 4.22: a pass
 * of xception_block2 at 299 px trains with 12 images (peak 3.8 GiB) and fails with 14
 * (`RuntimeError: memory access out of bounds` once the heap reaches 3.97 GiB); with this
 * reserve the plan takes at most 10. See docs/performance.md, "Memory".
 */
export const WASM_RESERVE_BYTES = 336 * 2 ** 20;

/** Backends {@link planMicroBatch} knows: only wasm has a hard memory limit of its own. */
export const MEMORY_BACKENDS = Object.freeze([
  'wasm',
  'cpu',
  'webgl',
  'webgpu',
  'tensorflow',
] as const);
/** A backend name {@link trainingMemoryLimit} accepts (`tf.getBackend()`). */
export type MemoryBackend = (typeof MEMORY_BACKENDS)[number];

/** Arguments of {@link planMicroBatch}. */
export interface MicroBatchPlanOptions {
  /** The model to train (from `buildPatchDiscriminator`). */
  readonly model: LayersModel;
  /** Input height and width in pixels (`--fineSize`). */
  readonly size: number;
  /** Images per optimisation step, all threads together; even (half real, half fake). */
  readonly batchSize: number;
  /** The backend every thread trains on (`tf.getBackend()`). */
  readonly backend: string;
  /**
   * Data-parallel threads that share each batch, this one included; each holds only its
   * share (`batchSize / threads`) in its own memory (a wasm backend per thread).
   * @defaultValue 1
   */
  readonly threads?: number;
  /**
   * Bytes one training pass of one thread may take. Default: the wasm heap limit less
   * {@link WASM_RESERVE_BYTES} on wasm, no limit on the other backends.
   */
  readonly limitBytes?: number;
}

/** What {@link planMicroBatch} decides. */
export interface MicroBatchPlan {
  /**
   * Images per forward/backward pass on each thread (even), or null for no split: each thread
   * runs its whole share in one pass.
   */
  readonly microBatch: number | null;
  /** Images per thread per step: `⌈batchSize / threads⌉`. */
  readonly perThread: number;
  /** Estimated bytes of one pass as planned (`microBatch ?? perThread` images). */
  readonly estimatedBytes: number;
  /** Bytes a pass may take on one thread (`Infinity`: no limit). */
  readonly limitBytes: number;
}

/** The bytes one training pass may take on one thread of `backend`, or Infinity. */
export function trainingMemoryLimit(backend: string): number {
  if (!(MEMORY_BACKENDS as readonly string[]).includes(backend)) {
    throw new Error(
      `backend must be one of ${MEMORY_BACKENDS.map((b) => `'${b}'`).join(' | ')}, got '${String(backend)}' (pass tf.getBackend())`,
    );
  }
  return backend === 'wasm' ? WASM_HEAP_MAX_BYTES - WASM_RESERVE_BYTES : Infinity;
}

/**
 * Micro-batching only where memory requires it: the images per forward/backward pass that keep
 * each thread's pass within its backend's limit ({@link trainingMemoryLimit}: the 4 GiB wasm
 * heap; no limit elsewhere unless `limitBytes` is given), estimated from the model's layer graph
 * ({@link estimateTrainingMemory}). When the whole share of a thread fits, there is no split
 * (`microBatch: null`), so BatchNorm normalises over the whole share as in the reference.
 * Otherwise the share is cut into the fewest passes that fit, of even sizes as equal as that
 * allows (both classes in each; 32 with room for 12 → 12 + 12 + 8, 16 with room for 12 → 8 + 8).
 *
 * Pass the result to the step functions as `{ microBatchSize: plan.microBatch ?? undefined }`.
 *
 * @throws When `batchSize` is not a positive even integer, `size` or `threads` not a positive
 *   integer, `backend` unknown, or even two images per pass exceed the limit.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator } from '@patchfx/models';
 * import { planMicroBatch } from '@patchfx/models/train';
 * const model = buildPatchDiscriminator('xception_block2');
 * // 32 images of 128² fit the wasm heap in one pass; 32 of 299² take 4 passes of 8.
 * planMicroBatch({ model, size: 128, batchSize: 32, backend: 'wasm' }).microBatch; // => null
 * planMicroBatch({ model, size: 299, batchSize: 32, backend: 'wasm' }).microBatch; // => 8
 * model.dispose();
 * ```
 */
export function planMicroBatch(options: MicroBatchPlanOptions): MicroBatchPlan {
  const { model, size, batchSize, backend, threads = 1 } = options;
  positiveInteger(size, 'size', 'the input height and width in pixels, e.g. 128');
  positiveInteger(threads, 'threads', 'data-parallel threads, this one included, e.g. 1');
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize % 2 !== 0) {
    throw new Error(
      `batchSize must be a positive even integer (half real, half fake images), got ${String(batchSize)}`,
    );
  }
  const backendLimit = trainingMemoryLimit(backend);
  const limitBytes = options.limitBytes ?? backendLimit;
  if (!(limitBytes > 0))
    throw new Error(`limitBytes must be a positive number of bytes, got ${String(limitBytes)}`);
  const perThread = Math.ceil(batchSize / threads);
  const bytes = (n: number) => estimateTrainingMemory(model, size, n).totalBytes;
  const whole = bytes(perThread);
  if (whole <= limitBytes)
    return { microBatch: null, perThread, estimatedBytes: whole, limitBytes };
  // The largest even pass that fits (bytes grow with the pass size).
  let fit = 0;
  for (let n = 2; n < perThread && bytes(n) <= limitBytes; n += 2) fit = n;
  if (fit === 0) {
    throw new Error(
      `one training pass of 2 images of ${size}² needs about ${mib(bytes(2))} MiB, over the ${mib(limitBytes)} MiB a ${backend} thread may use: use a smaller input size (--fineSize), a shallower model, or another backend`,
    );
  }
  // The fewest passes, then the smallest even size that needs no more: 16 with room for 12 →
  // 8 + 8, not 12 + 4.
  const passes = Math.ceil(perThread / fit);
  let microBatch = Math.ceil(perThread / passes);
  microBatch += microBatch % 2;
  if (microBatch > fit) microBatch = fit;
  return { microBatch, perThread, estimatedBytes: bytes(microBatch), limitBytes };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
