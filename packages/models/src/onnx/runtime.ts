/**
 * Running an exported ONNX patch model with onnxruntime (`onnxruntime-node` in Node,
 * `onnxruntime-web` in browsers): optional peers, imported only when used. The model takes and
 * gives the same tensors as the tfjs model it was exported from — NHWC images in [-1, 1] in,
 * NHWC logits out — so it drops in wherever the tfjs model ran.
 */
import { importOptionalPeer } from '../internal/optional-peer.js';

/** Where a patch model runs: tfjs (the model itself), or onnxruntime (the model exported to ONNX). */
export const RUNTIMES = Object.freeze(['tfjs', 'onnx'] as const);
export type Runtime = (typeof RUNTIMES)[number];

/**
 * A runtime name, validated.
 *
 * @param value - `'tfjs'` or `'onnx'`; null or undefined give `'tfjs'`.
 * @throws `unknown runtime 'x'; one of tfjs | onnx`.
 *
 * @example
 * ```ts doctest
 * import { parseRuntime } from '@patchfx/models/onnx';
 * parseRuntime('onnx'); // => 'onnx'
 * parseRuntime(undefined); // => 'tfjs'
 * ```
 */
export function parseRuntime(value: unknown): Runtime {
  if (value == null) return 'tfjs';
  if (!(RUNTIMES as readonly unknown[]).includes(value))
    throw new Error(`unknown runtime ${JSON.stringify(value)}; one of ${RUNTIMES.join(' | ')}`);
  return value as Runtime;
}

/** The version of onnxruntime patchfx is tested with (`npm install onnxruntime-node@…`). */
export const ONNXRUNTIME_VERSION = '1.30.0';

/** An onnxruntime tensor, as much of it as patchfx uses. */
export interface OnnxTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

/** An onnxruntime inference session, as much of it as patchfx uses. */
export interface OnnxSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OnnxTensorLike>): Promise<Record<string, OnnxTensorLike>>;
  release(): Promise<void>;
}

/**
 * The onnxruntime module (`import * as ort from 'onnxruntime-node'` or `'onnxruntime-web'`), as
 * much of it as patchfx uses.
 */
export interface OnnxRuntimeLike {
  readonly InferenceSession: {
    create(
      model: Uint8Array,
      options?: { intraOpNumThreads?: number; executionProviders?: string[] },
    ): Promise<OnnxSessionLike>;
  };
  readonly Tensor: new (
    type: 'float32',
    data: Float32Array,
    dims: readonly number[],
  ) => OnnxTensorLike;
}

function isRuntime(m: unknown): m is OnnxRuntimeLike {
  const r = m as Partial<OnnxRuntimeLike> | null;
  return typeof r?.InferenceSession?.create === 'function' && typeof r?.Tensor === 'function';
}

/**
 * Imports onnxruntime: `onnxruntime-node`, else `onnxruntime-web`. Bundled browser apps import
 * `onnxruntime-web` themselves and pass it as `runtime` (a bundler cannot follow this import).
 *
 * @throws A `MissingPeerError` with the install command when neither is installed.
 */
export async function loadOnnxRuntime(): Promise<OnnxRuntimeLike> {
  const { module, spec } = await importOptionalPeer(
    ['onnxruntime-node', 'onnxruntime-web'],
    `Missing optional peer 'onnxruntime-node' (or 'onnxruntime-web' in browsers) for the onnx runtime: install it with \`npm install onnxruntime-node@${ONNXRUNTIME_VERSION}\`. Its install script downloads CUDA files unless the project's .npmrc says onnxruntime-node-install=skip (CPU inference needs none of them).`,
  );
  const m = module as { default?: unknown };
  const runtime = isRuntime(module) ? module : m.default;
  if (!isRuntime(runtime)) {
    throw new Error(`'${spec}' does not look like onnxruntime (no InferenceSession.create)`);
  }
  return runtime;
}

/** Options of {@link OnnxModel.create}. */
export interface OnnxModelOptions {
  /** The onnxruntime module. @defaultValue {@link loadOnnxRuntime}() */
  readonly runtime?: OnnxRuntimeLike;
  /** Threads of one inference (`intraOpNumThreads`). @defaultValue onnxruntime's (all cores) */
  readonly threads?: number;
  /** Execution providers, best first (e.g. `['webgpu', 'wasm']`). @defaultValue onnxruntime's */
  readonly executionProviders?: string[];
}

/** Batches of NHWC values in, NHWC values out: a model run outside tfjs. */
export interface AsyncPredictor {
  /**
   * @param x - `[batch, height, width, 3]` values in [-1, 1], row-major.
   * @param shape - The shape of `x`.
   * @returns The logits, `[batch, H, W, 2]` (patch models) or `[batch, 2]`, row-major.
   */
  predictAsync(
    x: Float32Array,
    shape: readonly [number, number, number, number],
  ): Promise<{ data: Float32Array; shape: number[] }>;
}

/** `[b, h, w, c]` → `[b, c, h, w]`. */
function nhwcToNchw(x: Float32Array, b: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  const plane = h * w;
  for (let n = 0; n < b; n++) {
    const base = n * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[base + k * plane + p] = x[base + p * c + k];
    }
  }
  return out;
}

/** `[b, c, h, w]` → `[b, h, w, c]`. */
function nchwToNhwc(x: Float32Array, b: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  const plane = h * w;
  for (let n = 0; n < b; n++) {
    const base = n * plane * c;
    for (let k = 0; k < c; k++) {
      for (let p = 0; p < plane; p++) out[base + p * c + k] = x[base + k * plane + p];
    }
  }
  return out;
}

/**
 * An exported patch model in an onnxruntime session. `predictAsync` takes and returns the tfjs
 * model's layout (NHWC), transposing to and from the file's NCHW.
 */
export class OnnxModel implements AsyncPredictor {
  private released = false;

  private constructor(
    private readonly runtime: OnnxRuntimeLike,
    private readonly session: OnnxSessionLike,
  ) {}

  /**
   * Opens an ONNX model (bytes of an `.onnx` file, e.g. from `exportOnnx`).
   *
   * @throws When onnxruntime is missing (with the install command) or cannot read the model.
   */
  static async create(model: Uint8Array, options: OnnxModelOptions = {}): Promise<OnnxModel> {
    if (!(model instanceof Uint8Array) || model.length === 0)
      throw new Error('OnnxModel.create: give the bytes of an .onnx file (a non-empty Uint8Array)');
    const runtime = options.runtime ?? (await loadOnnxRuntime());
    const session = await runtime.InferenceSession.create(model, {
      ...(options.threads != null ? { intraOpNumThreads: options.threads } : {}),
      ...(options.executionProviders ? { executionProviders: options.executionProviders } : {}),
    });
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
      await session.release();
      throw new Error(
        `OnnxModel.create: a patchfx model has one input and one output; this one has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
      );
    }
    return new OnnxModel(runtime, session);
  }

  async predictAsync(
    x: Float32Array,
    shape: readonly [number, number, number, number],
  ): Promise<{ data: Float32Array; shape: number[] }> {
    if (this.released) throw new Error('OnnxModel: used after dispose()');
    const [b, h, w, c] = shape;
    if (x.length !== b * h * w * c)
      throw new Error(`OnnxModel: ${x.length} values do not make shape [${shape.join(', ')}]`);
    const input = new this.runtime.Tensor('float32', nhwcToNchw(x, b, h, w, c), [b, c, h, w]);
    const outputs = await this.session.run({ [this.session.inputNames[0]]: input });
    input.dispose?.();
    const y = outputs[this.session.outputNames[0]];
    try {
      const data = y.data as Float32Array;
      if (y.dims.length === 2) return { data: Float32Array.from(data), shape: [...y.dims] };
      const [yb, yc, yh, yw] = y.dims;
      return { data: nchwToNhwc(data, yb, yc, yh, yw), shape: [yb, yh, yw, yc] };
    } finally {
      y.dispose?.();
    }
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
