/**
 * onnxruntime-web for the page (`?runtime=onnx`): which execution provider runs the model, and
 * the onnxruntime-web build that brings it, imported on demand so that the tfjs page downloads
 * none of it. `onnxruntime-web/wasm` (CPU: SIMD, and threads when the page is cross-origin
 * isolated) for wasm; `onnxruntime-web/webgpu` for WebGPU. Their WebAssembly and emscripten
 * modules are staged in `ort/` (`ORT_FILES` of `../stage.ts`), where `ort.env.wasm.wasmPaths`
 * points.
 */
import type { OnnxRuntimeLike } from '@patchfx/models/onnx';

/** The execution providers the page can use, best first. */
export const EXECUTION_PROVIDERS = Object.freeze(['webgpu', 'wasm'] as const);
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** onnxruntime-web, loaded for one execution provider. */
export interface OrtChoice {
  /** The module, for `loadDetector(…, { onnx: { runtime } })`. */
  readonly runtime: OnnxRuntimeLike;
  /** onnxruntime-web's version (`ort.env.versions.web`). */
  readonly version: string;
  readonly ep: ExecutionProvider;
  /** Whether `?ep=` asked for it (then there is no fallback). */
  readonly asked: boolean;
  /**
   * `webgpu`, or `wasm, N threads` with onnxruntime-web's thread count
   * (`ort.env.wasm.numThreads`, which it sets when it starts, at the first session).
   */
  describe(): string;
  /** Why this EP or thread count, when it is not what the person might expect; else ''. */
  readonly note: string;
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** Why the browser has no WebGPU adapter, or null when it has one. */
async function noWebGpu(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return 'this browser has no navigator.gpu';
  try {
    return (await gpu.requestAdapter()) ? null : 'navigator.gpu.requestAdapter() gave no adapter';
  } catch (e) {
    return `navigator.gpu.requestAdapter() failed: ${(e as Error).message}`;
  }
}

/**
 * The execution provider: `asked` (`?ep=`) when given, else WebGPU when the browser gives an
 * adapter, else wasm.
 *
 * @param asked - `'webgpu'`, `'wasm'`, or null for the automatic choice.
 * @throws When `asked` is not an EP, or is `webgpu` and the browser has no adapter.
 */
export async function pickExecutionProvider(
  asked: string | null,
): Promise<{ ep: ExecutionProvider; asked: boolean; note: string }> {
  if (asked !== null && !(EXECUTION_PROVIDERS as readonly string[]).includes(asked)) {
    throw new Error(`ep must be one of ${EXECUTION_PROVIDERS.join(' | ')}, got '${asked}'`);
  }
  const why = await noWebGpu();
  if (asked === 'webgpu' && why) {
    throw new Error(
      `ep=webgpu: WebGPU is not available (${why}); use ep=wasm, or leave ep out to pick automatically`,
    );
  }
  if (asked) return { ep: asked as ExecutionProvider, asked: true, note: '' };
  return why
    ? { ep: 'wasm', asked: false, note: `No WebGPU (${why}), so onnxruntime-web runs on wasm` }
    : { ep: 'webgpu', asked: false, note: '' };
}

/**
 * Imports the onnxruntime-web build for `ep` and points it at the staged WebAssembly.
 *
 * @param ep - The execution provider.
 * @param options - `asked` and `note` (from {@link pickExecutionProvider}); `threads`: the wasm
 *   EP's thread count (`?threads=`), default onnxruntime-web's: half the cores, at most 4, when
 *   the page is cross-origin isolated, else 1 (WebAssembly threads need `SharedArrayBuffer`).
 * @throws When `threads` is not a positive integer.
 */
export async function loadOrt(
  ep: ExecutionProvider,
  options: { asked: boolean; note: string; threads?: string | null },
): Promise<OrtChoice> {
  const ort =
    ep === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
  const notes = options.note ? [options.note] : [];
  if (options.threads != null) {
    const threads = Number(options.threads);
    if (!(Number.isInteger(threads) && threads >= 1)) {
      throw new Error(`threads must be a positive integer, got '${options.threads}'`);
    }
    ort.env.wasm.numThreads = threads;
  }
  if (!crossOriginIsolated) {
    notes.push(
      'The page is not cross-origin isolated (no COOP/COEP headers), so wasm runs on 1 thread',
    );
  }
  return {
    runtime: ort,
    version: ort.env.versions.web ?? 'unknown',
    ep,
    asked: options.asked,
    describe: () => {
      if (ep === 'webgpu') return 'webgpu';
      const n = ort.env.wasm.numThreads ?? 0;
      return `wasm, ${n > 0 ? n : '?'} thread${n === 1 ? '' : 's'}`;
    },
    note: notes.join('. '),
  };
}
