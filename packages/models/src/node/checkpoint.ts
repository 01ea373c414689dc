import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  CHECKPOINT_FILES,
  decodeCheckpoint,
  encodeCheckpoint,
  parseJson,
  type CheckpointContents,
  type CheckpointManifest,
  type CheckpointPreprocessing,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  type TrainingRecord,
} from '../io/checkpoint.js';
import type { CheckpointSink } from '../train/fit.js';
import { resolveAtomicDir, writeFolderAtomic } from './atomic.js';

/**
 * Saves a checkpoint folder (topology, weights, optimizer state, training state, and the
 * preprocessing and calibration when given: pass `preprocessing` so that the folder alone says
 * how to run the model). The write is atomic: a process killed mid-save leaves the previous
 * checkpoint loadable.
 *
 * @param dir - The checkpoint folder, e.g. `checkpoints/<name>/latest`.
 */
export async function saveCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  const files = await encodeCheckpoint(contents);
  await writeFolderAtomic(resolve(dir), files);
}

/**
 * Loads a checkpoint folder written by {@link saveCheckpoint}.
 *
 * @returns The model (owned by the caller), its metadata, the manifest with the training
 *   state and, with `withOptimizer`, the optimizer state (tensors owned by the caller).
 * @throws When the folder is missing (the message names it), damaged, or of another
 *   architecture than `options.whichModelNetD`.
 */
export async function loadCheckpoint(
  dir: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const path = await resolveAtomicDir(resolve(dir));
  if (!path) {
    throw new Error(
      `no checkpoint at '${dir}': the folder does not exist (train a model first, or check --checkpoints_dir/--name/--which_epoch)`,
    );
  }
  const read = async (name: string) => {
    try {
      return new Uint8Array(await readFile(join(path, name)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  return decodeCheckpoint(read, dir, options);
}

/**
 * A tfjs `IOHandler` that saves a model as `model.json` + `weights.bin` in a folder (atomically)
 * and loads it back: `await model.save(fileSystem('out/model'))`,
 * `await tf.loadLayersModel(fileSystem('out/model'))`.
 */
export function fileSystem(dir: string): tf.io.IOHandler {
  const abs = resolve(dir);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (!artifacts.weightData || !artifacts.weightSpecs)
        throw new Error('fileSystem: nothing to save (no weights)');
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      const files = new Map<string, Uint8Array>([
        ['model.json', new TextEncoder().encode(JSON.stringify(json))],
        ['weights.bin', new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))],
      ]);
      await writeFolderAtomic(abs, files);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const path = await resolveAtomicDir(abs);
      if (!path) throw new Error(`no model at '${dir}'`);
      const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (groups) => {
        const specs = groups.flatMap((g) => g.weights);
        const buf = await readFile(join(path, 'weights.bin'));
        return [
          specs,
          buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
        ];
      });
    },
  };
}

/**
 * Rewrites the `checkpoint.json` of a checkpoint folder (atomically, the other files as they
 * were), e.g. to store a calibration fitted after training.
 *
 * @param dir - The checkpoint folder.
 * @param update - Returns the new manifest from the current one.
 * @throws When the folder or its `checkpoint.json` is missing or damaged.
 */
export async function updateCheckpointManifest(
  dir: string,
  update: (manifest: CheckpointManifest) => CheckpointManifest,
): Promise<void> {
  const path = await resolveAtomicDir(resolve(dir));
  if (!path) throw new Error(`no checkpoint at '${dir}': the folder does not exist`);
  const files = new Map<string, Uint8Array>();
  for (const name of await readdir(path)) {
    files.set(name, new Uint8Array(await readFile(join(path, name))));
  }
  const bytes = files.get(CHECKPOINT_FILES.manifest);
  if (!bytes) throw new Error(`checkpoint '${dir}' has no ${CHECKPOINT_FILES.manifest}`);
  const manifest = parseJson<CheckpointManifest>(bytes, join(dir, CHECKPOINT_FILES.manifest));
  const next = update(manifest);
  files.set(CHECKPOINT_FILES.manifest, new TextEncoder().encode(JSON.stringify(next, null, 2)));
  await writeFolderAtomic(resolve(dir), files);
}

/** Options of {@link checkpointSink}. */
export interface CheckpointSinkOptions {
  /**
   * The preprocessing the model is trained with (`checkpointPreprocessing`), written into
   * every checkpoint so that a folder copied alone (e.g. `bestval/`) runs at the right size.
   */
  readonly preprocessing?: CheckpointPreprocessing;
  /** How the model is trained (which images BatchNorm sees together), written likewise. */
  readonly training?: TrainingRecord;
}

/**
 * A {@link CheckpointSink} writing `<dir>/<tag>/` checkpoint folders (atomically), each with
 * `options.preprocessing`, and appending `ep: <E> acc_D_raw_val: <V>` lines to
 * `<dir>/bestval_ep.txt`, as the reference does.
 */
export function checkpointSink(dir: string, options: CheckpointSinkOptions = {}): CheckpointSink {
  return {
    async save(tag, contents) {
      await saveCheckpoint(join(dir, tag), {
        ...contents,
        preprocessing: options.preprocessing,
        training: options.training,
      });
    },
    async onBestVal(epoch, value) {
      await appendFile(join(dir, 'bestval_ep.txt'), `ep: ${epoch} acc_D_raw_val: ${value}\n`);
    },
  };
}
