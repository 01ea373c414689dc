/**
 * Backend selection for apps and programs: the only place in patchfx that reaches a backend
 * package, and only through dynamic `import()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initSimdKernels, registerWasmTrainingKernels } from '../kernels/wasm-training.js';
import { importOptionalPeer, MissingPeerError } from '../internal/optional-peer.js';

/** Backends by tfjs name, with the packages that provide them (tried in order). */
export const BACKENDS = Object.freeze({
  cpu: ['@tensorflow/tfjs-backend-cpu'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
} as const);

/** A backend name: `'cpu'`, `'wasm'`, or `'tensorflow'` (tfjs-node / tfjs-node-gpu). */
export type BackendName = keyof typeof BACKENDS;

/**
 * Activates a backend: imports its package if it is not registered yet, sets it, waits for it
 * and checks that it really is the active backend of this tfjs-core (a second copy of
 * tfjs-core would register it elsewhere). For `'wasm'` it also registers patchfx's training
 * kernels, without which wasm cannot train these models.
 *
 * @throws `Missing optional peer '<package>' for backend '<name>'` with the install command,
 *   when the package is not installed.
 */
export async function useBackend(name: BackendName): Promise<void> {
  const packages = BACKENDS[name];
  if (!packages) {
    throw new Error(
      `backend must be one of ${Object.keys(BACKENDS)
        .map((b) => `'${b}'`)
        .join(' | ')}, got '${String(name)}'`,
    );
  }
  if (!tf.findBackendFactory(name)) {
    await importOptionalPeer(
      packages,
      `Missing optional peer ${packages.map((p) => `'${p}'`).join(' or ')} for backend '${name}': install it with \`npm install ${packages[packages.length - 1]}@4.22.0\`` +
        (name === 'tensorflow' ? ' (or @tensorflow/tfjs-node-gpu on a CUDA machine)' : ''),
    );
  }
  if (name === 'wasm') registerWasmTrainingKernels();
  const ok = await tf.setBackend(name);
  await tf.ready();
  // The SIMD training kernels (C compiled to wasm SIMD), ready from the first step.
  if (name === 'wasm' && ok) await initSimdKernels();
  if (!ok || tf.getBackend() !== name) {
    throw new Error(
      `backend '${name}' did not become active (active: '${tf.getBackend()}'); is there a second copy of @tensorflow/tfjs-core? Run \`npm ls @tensorflow/tfjs-core\``,
    );
  }
}

/** The backends {@link ensureBackend} tries when the app chose none, best first. */
export const BACKEND_PREFERENCE = Object.freeze(['tensorflow', 'wasm', 'cpu'] as const);

/** Options of {@link ensureBackend}. */
export interface EnsureBackendOptions {
  /**
   * Called with the backend's name when `ensureBackend` had to choose one (not when the app
   * had). @defaultValue none
   */
  readonly onChoose?: (name: BackendName) => void;
}

/**
 * Makes sure tfjs has a backend. When the app registered one (imported a backend package, or
 * called {@link useBackend}) it is left as it is; when the registry is empty, the best installed
 * of `'tensorflow'` (tfjs-node-gpu, tfjs-node), `'wasm'` and `'cpu'` is started with
 * {@link useBackend}, and `onChoose` hears which.
 *
 * @param options - See {@link EnsureBackendOptions}.
 * @returns The name of the active backend.
 * @throws When no backend package is installed, with the install command.
 *
 * @example
 * ```ts doctest
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ensureBackend } from '@patchfx/models/backend';
 * (await ensureBackend()) === tf.getBackend(); // => true
 * ```
 */
export async function ensureBackend(options: EnsureBackendOptions = {}): Promise<string> {
  if (tf.engine().backendNames().length > 0) {
    await tf.ready();
    return tf.getBackend();
  }
  for (const name of BACKEND_PREFERENCE) {
    try {
      await useBackend(name);
    } catch (e) {
      if (e instanceof MissingPeerError) continue;
      throw e;
    }
    options.onChoose?.(name);
    return name;
  }
  throw new Error(
    'no TensorFlow.js backend is installed: install one, e.g. `npm install @tensorflow/tfjs-backend-wasm@4.22.0`',
  );
}

export {
  registerWasmTrainingKernels,
  initSimdKernels,
  simdKernelsActive,
  setSimdKernelsEnabled,
} from '../kernels/wasm-training.js';
