import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { initNodeCodecs, readImageFile } from '@patchfx/data/node';
import { ensureBackend } from '../backend/index.js';
import type { CheckpointReader } from '../io/checkpoint.js';
import { loadDetector, type Detector, type LoadDetectorOptions } from '../detector/detector.js';
import { resolveAtomicDir } from './atomic.js';

/**
 * Loads a detector from a checkpoint folder (`checkpoint.json`, `model.json`, `weights.bin`,
 * e.g. `checkpoints/<name>/bestval`) or from an exported ONNX file (a path ending in `.onnx`,
 * from `npm run export-onnx`; it runs on onnxruntime-node, an optional peer). Its `detect`,
 * `explain` and `report` also take image file paths, and JPEG decoding is ready
 * (`initNodeCodecs`). `options.runtime: 'onnx'` runs a checkpoint folder on onnxruntime too.
 *
 * The preprocessing size comes from `options.loadSize`/`fineSize`, else from what the
 * checkpoint records (its `checkpoint.json`), else from the `opt.yml` in the folder or in its
 * parent (the run folder `npm run train` writes), else the architecture's reference size (299
 * Xception, 224 ResNet); the last two warn (`onWarning`) that the size was assumed.
 *
 * Backend: when the app chose none (no backend package imported, no `useBackend`), the best
 * installed one (`tensorflow`, then `wasm`, then `cpu`) is started with `ensureBackend` of
 * `@patchfx/models/backend`, and a warning on the console says which.
 *
 * @param dir - The checkpoint folder, or an `.onnx` file.
 * @param options - See `LoadDetectorOptions`.
 * @returns The detector, owned by the caller (`dispose()` it).
 * @throws When the folder or file is missing (the message names it), the checkpoint is damaged,
 *   or the `.onnx` file was not exported by patchfx; for `.onnx` files, when onnxruntime-node is
 *   not installed (with the install command).
 *
 * @example
 * ```ts doctest
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { buildPatchDiscriminator } from '@patchfx/models';
 * import { loadDetectorFromPath, saveCheckpoint } from '@patchfx/models/node';
 * const dir = join(mkdtempSync(join(tmpdir(), 'patchfx-')), 'bestval');
 * const model = buildPatchDiscriminator('xception_block1', { seed: 1 });
 * await saveCheckpoint(dir, { model });
 * model.dispose();
 * const detector = await loadDetectorFromPath(dir, { loadSize: 32 });
 * [detector.name, detector.sizes.sizeSource]; // => ['xception_block1', 'options']
 * detector.dispose();
 * ```
 */
export async function loadDetectorFromPath(
  dir: string,
  options: LoadDetectorOptions = {},
): Promise<Detector> {
  if (dir.toLowerCase().endsWith('.onnx')) return loadOnnxFile(dir, options);
  const path = await resolveAtomicDir(resolve(dir));
  if (!path) {
    throw new Error(
      `no checkpoint at '${dir}': the folder does not exist (train a model first, or point at checkpoints/<name>/<epoch>)`,
    );
  }
  const read: CheckpointReader = async (name) => {
    const file = name.startsWith('../') ? join(dirname(path), name.slice(3)) : join(path, name);
    try {
      return new Uint8Array(await readFile(file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') return undefined;
      throw e;
    }
  };
  await prepareNode();
  return loadDetector({ read, where: dir }, { readFile: readImageFile, ...options });
}

/** Starts a backend when the app chose none, and the JPEG codecs. */
async function prepareNode(): Promise<void> {
  await ensureBackend({
    onChoose: (name) =>
      console.warn(
        `patchfx: no TensorFlow.js backend was chosen, so patchfx started '${name}' (the best one installed). ` +
          `To choose it yourself (and silence this), call \`await useBackend('${name}')\` of '@patchfx/models/backend' first.`,
      ),
  });
  await initNodeCodecs();
}

async function loadOnnxFile(file: string, options: LoadDetectorOptions): Promise<Detector> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        `no ONNX file at '${file}': export one with \`npm run export-onnx -- --train_config <run>/opt.yml --out ${file}\``,
      );
    }
    if (code === 'EISDIR') throw new Error(`'${file}' is a folder, not an .onnx file`);
    throw new Error(`cannot read '${file}': ${(e as Error).message}`, { cause: e });
  }
  await prepareNode();
  return loadDetector({ onnx: bytes, where: file }, { readFile: readImageFile, ...options });
}
