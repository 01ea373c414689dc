/** PyTorch checkpoint loading from files, and safetensors export to files (Node). */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  loadTorchCheckpoint,
  type LoadTorchCheckpointOptions,
  type LoadedTorchCheckpoint,
} from '../torch/load.js';
import { readTorchFile, type ReadTorchFileOptions, type TorchFile } from '../torch/read.js';
import { encodeSafetensors, type EncodeSafetensorsOptions } from '../torch/safetensors.js';

async function readBytes(path: string): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`no such file '${path}'`);
    }
    throw e;
  }
  if (info.isDirectory()) {
    throw new Error(
      `'${path}' is a folder, not a PyTorch checkpoint file (patchfx checkpoint folders load with loadCheckpoint)`,
    );
  }
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Reads a PyTorch file (`torch.save` zip or legacy, or safetensors) from disk without running
 * any of its code; see `readTorchFile`.
 *
 * @throws When the file is missing (the message names it) or cannot be read safely.
 */
export async function readTorchFileFromPath(
  path: string,
  options: ReadTorchFileOptions = {},
): Promise<TorchFile> {
  return readTorchFile(await readBytes(path), { where: `'${path}'`, ...options });
}

/**
 * Loads a reference PyTorch checkpoint (`checkpoints/<name>/<which_epoch>_net_D.pth`) from disk
 * into a new patchfx model; see `loadTorchCheckpoint`.
 *
 * @param path - The `.pth` (or `.safetensors`) file.
 * @param options - The architecture (`whichModelNetD`; inferred from the keys when omitted).
 * @returns The model (owned by the caller: `model.dispose()`), with the checkpoint's epoch and
 *   best validation values when present.
 * @throws When the file is missing, is not a checkpoint, names a global outside the allow-list,
 *   or does not fit the architecture (one error lists every offending key).
 *
 * @example
 * ```ts doctest
 * import { loadTorchCheckpointFile } from '@patchfx/models/node';
 * const ckpt = await loadTorchCheckpointFile(
 *   'packages/models/test/fixtures/torch/resnet18_layer1.pth',
 *   { whichModelNetD: 'resnet18_layer1' },
 * );
 * [ckpt.epoch, ckpt.bestValMetric, ckpt.bestValEpoch]; // => [7, 0.9, 5]
 * ckpt.model.dispose();
 * ```
 */
export async function loadTorchCheckpointFile(
  path: string,
  options: LoadTorchCheckpointOptions = {},
): Promise<LoadedTorchCheckpoint> {
  return loadTorchCheckpoint(await readBytes(path), { where: `'${path}'`, ...options });
}

/**
 * Writes a model's weights as a safetensors file with the reference's PyTorch names and
 * layouts (see `encodeSafetensors`); creates the folder.
 *
 * @param path - The file to write, e.g. `export/bestval_net_D.safetensors`.
 * @param model - The model; its weights are read, nothing is disposed.
 */
export async function saveSafetensorsFile(
  path: string,
  model: LayersModel,
  options: EncodeSafetensorsOptions = {},
): Promise<void> {
  const bytes = await encodeSafetensors(model, options);
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, bytes);
}
