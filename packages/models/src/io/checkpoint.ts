import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { METADATA_KEY, getModelMetadata, type ModelMetadata } from '../build.js';
import { registerCustomLayers } from '../layers/register.js';
import type { Adam, AdamState } from '../train/adam.js';

/** Format tag written into every checkpoint's `checkpoint.json`. */
export const CHECKPOINT_FORMAT = 'patchfx-checkpoint';
/** Current checkpoint format version. */
export const CHECKPOINT_VERSION = 1;

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = Object.freeze({
  manifest: 'checkpoint.json',
  model: 'model.json',
  weights: 'weights.bin',
  optimizer: 'optimizer.json',
  optimizerWeights: 'optimizer.bin',
});

/** Training progress saved with a checkpoint (JSON). */
export type TrainingState = Readonly<Record<string, unknown>>;

/** What {@link encodeCheckpoint} stores. */
export interface CheckpointContents {
  readonly model: LayersModel;
  readonly optimizer?: Adam;
  readonly state?: TrainingState;
}

/** `checkpoint.json`. */
export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly whichModelNetD: string;
  readonly hasOptimizer: boolean;
  readonly savedAt: string;
  readonly state: TrainingState;
}

/** A loaded checkpoint. The caller owns `model` and the tensors of `optimizerState`. */
export interface LoadedCheckpoint {
  readonly model: LayersModel;
  readonly metadata: ModelMetadata;
  readonly manifest: CheckpointManifest;
  readonly optimizerState?: AdamState;
}

/** Options of checkpoint loaders. */
export interface LoadCheckpointOptions {
  /**
   * The architecture the caller expects (`--which_model_netD`). Loading a checkpoint of another
   * architecture is then an error naming both.
   */
  readonly whichModelNetD?: string;
  /** Also load the optimizer state, if saved. @defaultValue false */
  readonly withOptimizer?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function joinWeightData(data: tf.io.WeightData): Uint8Array {
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

async function encodeNamed(named: { name: string; tensor: tf.Tensor }[]) {
  const { data, specs } = await tf.io.encodeWeights(named);
  return { data: joinWeightData(data), specs };
}

/**
 * Serialises a model (topology + weights), optionally an optimizer and a training state, into
 * the files of a checkpoint folder. Pure: writes nothing. Leaves every tensor as it was.
 */
export async function encodeCheckpoint(
  contents: CheckpointContents,
): Promise<Map<string, Uint8Array>> {
  const { model, optimizer, state = {} } = contents;
  const metadata = getModelMetadata(model);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs)
    throw new Error('model.save produced no weights');
  const files = new Map<string, Uint8Array>();
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: 'patchfx',
    weightsManifest: [{ paths: [CHECKPOINT_FILES.weights], weights: artifacts.weightSpecs }],
    userDefinedMetadata: {
      [METADATA_KEY]: metadata,
    } as unknown as tf.io.ModelJSON['userDefinedMetadata'],
  };
  files.set(CHECKPOINT_FILES.model, encoder.encode(JSON.stringify(modelJson)));
  files.set(CHECKPOINT_FILES.weights, joinWeightData(artifacts.weightData));
  if (optimizer) {
    const s = optimizer.getState();
    try {
      const names = [...s.m.keys()];
      const named = [
        ...names.map((n) => ({ name: `${n}/m`, tensor: s.m.get(n)! })),
        ...names.map((n) => ({ name: `${n}/v`, tensor: s.v.get(n)! })),
      ];
      const { data, specs } = await encodeNamed(named);
      const optJson = {
        className: 'Adam',
        config: optimizer.config,
        step: s.step,
        learningRate: s.learningRate,
        variables: names,
        weightsManifest: [{ paths: [CHECKPOINT_FILES.optimizerWeights], weights: specs }],
      };
      files.set(CHECKPOINT_FILES.optimizer, encoder.encode(JSON.stringify(optJson)));
      files.set(CHECKPOINT_FILES.optimizerWeights, data);
    } finally {
      for (const t of [...s.m.values(), ...s.v.values()]) t.dispose();
    }
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    whichModelNetD: metadata.whichModelNetD,
    hasOptimizer: optimizer != null,
    savedAt: new Date().toISOString(),
    state,
  };
  files.set(CHECKPOINT_FILES.manifest, encoder.encode(JSON.stringify(manifest, null, 2)));
  return files;
}

/** Reads one file of a checkpoint; resolves `undefined` if it does not exist. */
export type CheckpointReader = (name: string) => Promise<Uint8Array | undefined>;

function parseJson<T>(bytes: Uint8Array, where: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (e) {
    throw new Error(
      `${where} is not valid JSON (${(e as Error).message}); the checkpoint is damaged`,
    );
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Reads a checkpoint through `read` (a folder in Node, URLs in a browser).
 *
 * @param where - Names the checkpoint in error messages (its path or URL).
 * @throws When a file is missing or damaged, or the architecture differs from
 *   `options.whichModelNetD` (the message names both).
 */
export async function decodeCheckpoint(
  read: CheckpointReader,
  where: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  registerCustomLayers();
  const need = async (name: string) => {
    const bytes = await read(name);
    if (!bytes)
      throw new Error(
        `checkpoint '${where}' has no ${name}: it is incomplete or not a patchfx checkpoint`,
      );
    return bytes;
  };
  const manifest = parseJson<CheckpointManifest>(
    await need(CHECKPOINT_FILES.manifest),
    `${where}/${CHECKPOINT_FILES.manifest}`,
  );
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new Error(`'${where}' is not a patchfx checkpoint (format '${String(manifest.format)}')`);
  }
  if (manifest.version > CHECKPOINT_VERSION) {
    throw new Error(
      `checkpoint '${where}' has format version ${manifest.version}; this patchfx reads up to ${CHECKPOINT_VERSION}: upgrade patchfx`,
    );
  }
  if (options.whichModelNetD && options.whichModelNetD !== manifest.whichModelNetD) {
    throw new Error(
      `checkpoint '${where}' holds a '${manifest.whichModelNetD}' model, but '${options.whichModelNetD}' was asked for: ` +
        `use --which_model_netD ${manifest.whichModelNetD}, or point at a '${options.whichModelNetD}' checkpoint`,
    );
  }
  const modelJson = parseJson<tf.io.ModelJSON>(
    await need(CHECKPOINT_FILES.model),
    `${where}/${CHECKPOINT_FILES.model}`,
  );
  const weights = await need(CHECKPOINT_FILES.weights);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifestGroups) => {
    const specs = manifestGroups.flatMap((g) => g.weights);
    const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (weights.byteLength !== expected) {
      throw new Error(
        `checkpoint '${where}': ${CHECKPOINT_FILES.weights} has ${weights.byteLength} bytes, expected ${expected}; the file is truncated or damaged`,
      );
    }
    return [specs, toArrayBuffer(weights)];
  });
  const model = await loadLayersModel(tf.io.fromMemory(artifacts));
  const metadata = (artifacts.userDefinedMetadata as Record<string, unknown> | undefined)?.[
    METADATA_KEY
  ] as ModelMetadata | undefined;
  if (!metadata) {
    model.dispose();
    throw new Error(`checkpoint '${where}' has no patchfx metadata in ${CHECKPOINT_FILES.model}`);
  }
  model.setUserDefinedMetadata({ [METADATA_KEY]: metadata });
  let optimizerState: AdamState | undefined;
  if (options.withOptimizer && manifest.hasOptimizer) {
    const optJson = parseJson<{
      step: number;
      learningRate: number;
      variables: string[];
      weightsManifest: tf.io.WeightsManifestConfig;
    }>(await need(CHECKPOINT_FILES.optimizer), `${where}/${CHECKPOINT_FILES.optimizer}`);
    const optBytes = await need(CHECKPOINT_FILES.optimizerWeights);
    const specs = optJson.weightsManifest.flatMap((g) => g.weights);
    const named = tf.io.decodeWeights(toArrayBuffer(optBytes), specs);
    const m = new Map<string, tf.Tensor>();
    const v = new Map<string, tf.Tensor>();
    for (const n of optJson.variables) {
      const mt = named[`${n}/m`];
      const vt = named[`${n}/v`];
      if (!mt || !vt) {
        Object.values(named).forEach((t) => t.dispose());
        model.dispose();
        throw new Error(`checkpoint '${where}': optimizer state for '${n}' is missing`);
      }
      m.set(n, mt);
      v.set(n, vt);
    }
    optimizerState = { step: optJson.step, learningRate: optJson.learningRate, m, v };
  }
  return { model, metadata, manifest, optimizerState };
}

/** Disposes the tensors of an optimizer state returned by a loader. */
export function disposeAdamState(state: AdamState | undefined): void {
  if (!state) return;
  for (const t of [...state.m.values(), ...state.v.values()]) t.dispose();
}
