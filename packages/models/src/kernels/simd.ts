/**
 * The SIMD training kernels: a small WebAssembly SIMD module (C source in
 * `packages/models/simd/`, bytes in `./simd/module.ts`) instantiated on the memory of
 * tfjs-backend-wasm itself, so its kernels read and write tensors in place.
 *
 * Memory safety: the module imports the backend's `WebAssembly.Memory` and owns nothing in it —
 * no data segment, no stack frames, no globals in memory (build.sh refuses to emit a module that
 * has any). Every address it touches is given per call: a tensor's `memoryOffset` from the
 * backend's data map, an output allocated by `backend.makeOutput`, or scratch space from the
 * backend's own `_malloc`. Offsets are read afresh at every call and no JavaScript view of the
 * memory is kept, so memory growth between (or during) calls is harmless.
 *
 * Instantiation is asynchronous and lazy: it starts when the wasm backend becomes active (the
 * kernels' `setupFunc`), when `registerWasmTrainingKernels` finds it already initialised, or
 * at the first kernel call; until it has finished, and wherever WebAssembly SIMD or
 * instantiation is unavailable, the op-built kernels run instead, silently.
 * {@link initSimdKernels} waits for it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';
import { SIMD_MODULE_BASE64, SIMD_SHARED_IMPORT } from './simd/module.js';

/** The exports of the SIMD module (pointers are byte offsets into the backend's memory). */
export interface SimdExports {
  dw_filter_grad(
    x: number,
    dy: number,
    dw: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
  conv_filter_grad(
    x: number,
    dy: number,
    dw: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    oh: number,
    ow: number,
    cout: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
    scratch: number,
  ): void;
  max_pool_grad(
    x: number,
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
  bn_forward(
    x: number,
    m: number,
    c: number,
    gamma: number,
    beta: number,
    epsilon: number,
    mean: number,
    variance: number,
    y: number,
    scratch: number,
  ): void;
  bn_inference(
    x: number,
    m: number,
    c: number,
    mean: number,
    variance: number,
    offset: number,
    scale: number,
    epsilon: number,
    y: number,
    scratch: number,
  ): void;
  bn_backward(
    dy: number,
    x: number,
    m: number,
    c: number,
    mean: number,
    variance: number,
    gamma: number,
    epsilon: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    scratch: number,
  ): void;
}

/** The parts of tfjs-backend-wasm's Emscripten module used here (structural: no import). */
interface EmscriptenModuleLike {
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** The parts of tfjs-backend-wasm's `BackendWasm` used here (structural: no import). */
export interface WasmBackendLike {
  readonly wasm: EmscriptenModuleLike | null;
  readonly dataIdMap: { get(dataId: DataId): { memoryOffset: number | null } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

/** The SIMD module instantiated on one wasm backend's memory. */
export class SimdKernels {
  private scratchPtr = 0;
  private scratchBytes = 0;

  constructor(
    readonly backend: WasmBackendLike,
    private readonly module: EmscriptenModuleLike,
    readonly exports: SimdExports,
  ) {}

  /** Byte offset of a float32 tensor's data in the backend's memory. */
  offset(info: TensorInfo): number {
    const data = this.backend.dataIdMap.get(info.dataId);
    if (!data || data.memoryOffset == null || info.dtype !== 'float32') {
      throw new Error('patchfx SIMD kernel: input is not a float32 tensor of this backend');
    }
    return data.memoryOffset;
  }

  /** A new float32 output tensor (uninitialised: every kernel writes all of it). */
  output(shape: number[]): TensorInfo {
    return this.backend.makeOutput(shape, 'float32');
  }

  /**
   * Scratch space of at least `bytes` bytes (8-byte aligned, from the backend's `_malloc`),
   * reused across calls. Valid until the next call of `scratch`.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchPtr) this.module._free(this.scratchPtr);
      const size = Math.max(4096, 2 ** Math.ceil(Math.log2(bytes)));
      const ptr = this.module._malloc(size) >>> 0;
      if (!ptr) throw new Error(`patchfx SIMD kernel: cannot allocate ${size} bytes of scratch`);
      this.scratchPtr = ptr;
      this.scratchBytes = size;
    }
    return this.scratchPtr;
  }
}

type State = SimdKernels | Promise<SimdKernels | null> | null;

/** Per Emscripten module (one per wasm backend instance): the instance, its promise, or null. */
const states = new WeakMap<object, State>();
let enabled = true;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The module's bytes, linked for a plain or a shared memory. */
export function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const plain = decodeBase64(SIMD_MODULE_BASE64);
  if (!shared) return plain;
  const { start, end, base64 } = SIMD_SHARED_IMPORT;
  const section = decodeBase64(base64);
  const out = new Uint8Array(plain.length - (end - start) + section.length);
  out.set(plain.subarray(0, start), 0);
  out.set(section, start);
  out.set(plain.subarray(end), start + section.length);
  return out;
}

function isWasmBackend(backend: unknown): backend is WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | null;
  const m = b?.wasm as Partial<EmscriptenModuleLike> | null | undefined;
  return (
    b != null &&
    m != null &&
    typeof m._malloc === 'function' &&
    typeof m._free === 'function' &&
    m.HEAPU8 instanceof Uint8Array &&
    typeof b.makeOutput === 'function' &&
    b.dataIdMap != null
  );
}

async function instantiate(backend: WasmBackendLike): Promise<SimdKernels | null> {
  try {
    const module = backend.wasm!;
    if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
      return null;
    }
    const memory = module.asm?.memory ?? module.wasmMemory;
    if (!(memory instanceof WebAssembly.Memory) || memory.buffer !== module.HEAPU8.buffer) {
      return null;
    }
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = moduleBytes(shared);
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
    return new SimdKernels(backend, module, instance.exports as unknown as SimdExports);
  } catch {
    return null; // no SIMD, no WebAssembly, or a memory this module cannot import: op-built kernels
  }
}

/** Starts instantiating the module for `backend` if that has not started yet. */
export function startSimdKernels(backend: unknown): Promise<SimdKernels | null> {
  if (!isWasmBackend(backend)) return Promise.resolve(null);
  const module = backend.wasm!;
  const state = states.get(module);
  if (state === undefined) {
    const promise = instantiate(backend).then((k) => {
      states.set(module, k);
      return k;
    });
    states.set(module, promise);
    return promise;
  }
  return Promise.resolve(state);
}

/**
 * The SIMD kernels for `backend` if they are instantiated and enabled, else null (and the
 * instantiation is started, so a later call may get them).
 */
export function simdFor(backend: unknown): SimdKernels | null {
  if (!enabled || !isWasmBackend(backend)) return null;
  const state = states.get(backend.wasm!);
  if (state instanceof SimdKernels) return state;
  if (state === undefined) void startSimdKernels(backend);
  return null;
}

/**
 * The wasm backend instance if it is initialised (read from the registry: `findBackend` would
 * initialise it, or a second instance while `setBackend` is still pending).
 */
export function initialisedWasmBackend(): unknown {
  return tf.engine().registry.wasm ?? null;
}

function activeWasmBackend(): unknown {
  return tf.engine().backendName === 'wasm' ? initialisedWasmBackend() : null;
}

/**
 * Instantiates the SIMD training kernels on the active wasm backend and waits for them.
 *
 * They also start on their own when the wasm backend is set (see
 * `registerWasmTrainingKernels`), and the op-built kernels run until they are ready; await this
 * once after `setBackend('wasm')` to have them from the first step on. Nothing is logged when
 * they are unavailable (no WebAssembly SIMD, or a backend memory they cannot import).
 *
 * @returns Whether the SIMD kernels are active: false on any other backend, where
 *   WebAssembly SIMD is unavailable, or after `setSimdKernelsEnabled(false)`.
 *
 * @example
 * ```ts
 * import { initSimdKernels, useBackend } from '@patchfx/models/backend';
 * await useBackend('wasm'); // already awaits initSimdKernels()
 * await initSimdKernels(); // => true (Node ≥ 16.4 and current browsers have wasm SIMD)
 * ```
 */
export async function initSimdKernels(): Promise<boolean> {
  await startSimdKernels(activeWasmBackend());
  return simdKernelsActive();
}

/**
 * Whether the SIMD training kernels run on the active backend now: it is `'wasm'`, the
 * module is instantiated on it, and they are enabled. Asking starts the instantiation if it has
 * not started yet.
 *
 * @returns True while the SIMD kernels replace the op-built ones.
 *
 * @example
 * ```ts doctest
 * import { simdKernelsActive } from '@patchfx/models/backend';
 * // The doc tests run on the cpu backend:
 * simdKernelsActive(); // => false
 * ```
 */
export function simdKernelsActive(): boolean {
  return simdFor(activeWasmBackend()) != null;
}

/**
 * Enables (the default) or disables the SIMD training kernels; while disabled, the op-built
 * kernels run (and tfjs-backend-wasm's own `FusedBatchNorm`). For benchmarks and tests that
 * compare the two. Affects every wasm backend in this realm.
 *
 * @param on - Whether to use the SIMD kernels where they are available.
 *
 * @example
 * ```ts doctest
 * import { simdKernelsActive, setSimdKernelsEnabled } from '@patchfx/models/backend';
 * setSimdKernelsEnabled(false);
 * simdKernelsActive(); // => false
 * setSimdKernelsEnabled(true);
 * ```
 */
export function setSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether the SIMD kernels are enabled in this realm (internal: passed on to worker threads). */
export function simdKernelsEnabled(): boolean {
  return enabled;
}
