import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { METADATA_KEY, getModelMetadata, type ModelMetadata } from '../build.js';
import { checkCalibration, type DetectorCalibration } from '../detector/decision.js';
import { registerCustomLayers } from '../layers/register.js';
import type { Adam, AdamState } from '../train/adam.js';
import { modelName, resolveModelConfig, sameArchitecture, type ModelConfig } from '../variants.js';

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

/**
 * The `state` a checkpoint stores (JSON): what the caller gives. The training loop stores its
 * `TrainingState` (`@patchfx/models/train`; `readTrainingState` validates it when read back),
 * a converted checkpoint what the `.pth` said.
 */
export type CheckpointState = Readonly<Record<string, unknown>>;

/**
 * How training cropped to `fineSize`: `'center'` (the default), `'random'` (`--random_crop`),
 * `'random_resized'` (`--random_resized_crop`). Evaluation and the detector always take the
 * centre crop (spec §3.4).
 */
export const TRAINING_CROPS = Object.freeze(['center', 'random', 'random_resized'] as const);

/** One of {@link TRAINING_CROPS}. */
export type TrainingCrop = (typeof TRAINING_CROPS)[number];

/** The normalisation patchfx and the reference apply: `(x / 255 − 0.5) / 0.5`. */
export const NORMALIZATION = Object.freeze({ scale: 255, mean: 0.5, std: 0.5 } as const);

/**
 * The preprocessing a model was trained with, stored in its `checkpoint.json` so that a
 * checkpoint folder copied on its own (an app deploys `bestval/`) is run at the right size.
 */
export interface CheckpointPreprocessing {
  /** Shorter side after the Lanczos resize (`--loadSize`). */
  readonly loadSize: number;
  /** Side of the training crop (`--fineSize`); full-image models also evaluate at it. */
  readonly fineSize: number;
  /** How training cropped (evaluation always takes the centre crop). */
  readonly crop: TrainingCrop;
  /** The resize filter (PIL-exact Lanczos, a = 3). */
  readonly resample: 'lanczos';
  /** `(x / scale − mean) / std` on every RGB channel. */
  readonly normalization: typeof NORMALIZATION;
}

/**
 * The preprocessing record of a model trained at `loadSize`/`fineSize`, for
 * `saveCheckpoint(dir, { model, preprocessing })` and `checkpointSink(dir, { preprocessing })`.
 *
 * @param sizes - `loadSize`, `fineSize` (default: `loadSize`) and the training `crop`
 *   (default `'center'`).
 * @returns A complete, validated record.
 * @throws When a size is not a positive integer or the crop is unknown.
 *
 * @example
 * ```ts doctest
 * import { checkpointPreprocessing } from '@patchfx/models';
 * checkpointPreprocessing({ loadSize: 128 }); // => { loadSize: 128, fineSize: 128, crop: 'center', resample: 'lanczos', normalization: { scale: 255, mean: 0.5, std: 0.5 } }
 * ```
 */
export function checkpointPreprocessing(sizes: {
  readonly loadSize: number;
  readonly fineSize?: number;
  readonly crop?: TrainingCrop;
}): CheckpointPreprocessing {
  return checkPreprocessing(
    {
      loadSize: sizes.loadSize,
      fineSize: sizes.fineSize ?? sizes.loadSize,
      crop: sizes.crop ?? 'center',
      resample: 'lanczos',
      normalization: { ...NORMALIZATION },
    },
    'preprocessing',
  );
}

/**
 * Validates a recorded preprocessing (a checkpoint's, or an ONNX file's metadata).
 *
 * @param value - The parsed value.
 * @param what - Names it in messages.
 * @throws When a field is missing or out of range, naming it.
 */
export function checkPreprocessing(value: unknown, what: string): CheckpointPreprocessing {
  const bad = (field: string, v: unknown, expected: string) =>
    new Error(`${what}: ${field} is ${JSON.stringify(v)}, expected ${expected}`);
  if (typeof value !== 'object' || value === null) {
    throw bad('the preprocessing', value, '{ loadSize, fineSize, crop, resample, normalization }');
  }
  const p = value as Record<string, unknown>;
  for (const k of ['loadSize', 'fineSize'] as const) {
    if (!(Number.isInteger(p[k]) && (p[k] as number) >= 1)) {
      throw bad(k, p[k], 'a positive integer');
    }
  }
  if (!TRAINING_CROPS.includes(p.crop as TrainingCrop)) {
    throw bad('crop', p.crop, `one of ${TRAINING_CROPS.map((c) => `'${c}'`).join(' | ')}`);
  }
  if (p.resample !== 'lanczos') throw bad('resample', p.resample, "'lanczos'");
  const n = p.normalization as Record<string, unknown> | null;
  if (
    typeof n !== 'object' ||
    n === null ||
    n.scale !== NORMALIZATION.scale ||
    n.mean !== NORMALIZATION.mean ||
    n.std !== NORMALIZATION.std
  ) {
    throw bad(
      'normalization',
      n,
      `${JSON.stringify(NORMALIZATION)} (the only normalisation patchfx applies)`,
    );
  }
  return {
    loadSize: p.loadSize as number,
    fineSize: p.fineSize as number,
    crop: p.crop as TrainingCrop,
    resample: 'lanczos',
    normalization: { ...NORMALIZATION },
  };
}

/**
 * How a model was trained where it changes what it learns: which images BatchNorm normalised
 * together in a training step. The train program stores it in every checkpoint so that runs
 * can be compared (the reference: one batch of `batchSize` on one GPU).
 */
export interface TrainingRecord {
  /** The backend that trained (`wasm`, `tensorflow`, …). */
  readonly backend: string;
  readonly batchSize: number;
  /** Threads that computed each step (data-parallel replicas). */
  readonly threads: number;
  /** Images per forward/backward pass in one thread. */
  readonly imagesPerPass: number;
  /** Images whose moments normalised each other (`batchSize`: the whole batch, as the reference). */
  readonly batchNormImages: number;
  /** Whether the threads' parts of a batch were normalised together (synchronised BatchNorm). */
  readonly batchNormSynchronised: boolean;
}

function checkTrainingRecord(value: unknown, what: string): TrainingRecord {
  const t = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const fields = ['batchSize', 'threads', 'imagesPerPass', 'batchNormImages'] as const;
  for (const k of fields) {
    if (!(Number.isInteger(t[k]) && (t[k] as number) >= 1)) {
      throw new Error(`${what}: ${k} is ${JSON.stringify(t[k])}, expected a positive integer`);
    }
  }
  if (typeof t.backend !== 'string' || typeof t.batchNormSynchronised !== 'boolean') {
    throw new Error(`${what}: expected a string 'backend' and a boolean 'batchNormSynchronised'`);
  }
  return {
    backend: t.backend,
    batchSize: t.batchSize as number,
    threads: t.threads as number,
    imagesPerPass: t.imagesPerPass as number,
    batchNormImages: t.batchNormImages as number,
    batchNormSynchronised: t.batchNormSynchronised,
  };
}

/** What {@link encodeCheckpoint} stores. */
export interface CheckpointContents {
  readonly model: LayersModel;
  readonly optimizer?: Adam;
  readonly state?: CheckpointState;
  /** The preprocessing the model was trained with ({@link checkpointPreprocessing}). */
  readonly preprocessing?: CheckpointPreprocessing;
  /** A calibration of this model (`fitCalibration`; the train program stores one). */
  readonly calibration?: DetectorCalibration;
  /** How it was trained (the train program stores it). */
  readonly training?: TrainingRecord;
}

/** `checkpoint.json`. */
export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly whichModelNetD: string;
  readonly hasOptimizer: boolean;
  readonly savedAt: string;
  readonly state: CheckpointState;
  /** The preprocessing the model was trained with; absent in checkpoints of older patchfx. */
  readonly preprocessing?: CheckpointPreprocessing;
  /** The calibration the detector uses unless told otherwise; absent when never calibrated. */
  readonly calibration?: DetectorCalibration;
  /** How it was trained; absent in checkpoints of older patchfx and converted ones. */
  readonly training?: TrainingRecord;
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
   * The architecture the caller expects: its name (`--which_model_netD`) or resolved config.
   * Loading a checkpoint of another architecture is then an error naming both.
   */
  readonly whichModelNetD?: string | ModelConfig;
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
  const preprocessing =
    contents.preprocessing && checkPreprocessing(contents.preprocessing, 'preprocessing');
  if (contents.calibration) checkCalibration(contents.calibration, 'calibration');
  const training = contents.training && checkTrainingRecord(contents.training, 'training');
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
    },
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
    ...(preprocessing ? { preprocessing } : {}),
    ...(contents.calibration ? { calibration: contents.calibration } : {}),
    ...(training ? { training } : {}),
  };
  files.set(CHECKPOINT_FILES.manifest, encoder.encode(JSON.stringify(manifest, null, 2)));
  return files;
}

/** Reads one file of a checkpoint; resolves `undefined` if it does not exist. */
export type CheckpointReader = (name: string) => Promise<Uint8Array | undefined>;

/** Parses a checkpoint file's JSON; a parse error says the checkpoint at `where` is damaged. */
export function parseJson<T>(bytes: Uint8Array, where: string): T {
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
  const manifestFile = `${where}/${CHECKPOINT_FILES.manifest}`;
  const manifest = parseJson<CheckpointManifest>(
    await need(CHECKPOINT_FILES.manifest),
    manifestFile,
  );
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new Error(`'${where}' is not a patchfx checkpoint (format '${String(manifest.format)}')`);
  }
  const damaged = `${manifestFile} is damaged (fix or delete the field, or re-save the checkpoint)`;
  if (manifest.preprocessing !== undefined) {
    checkPreprocessing(manifest.preprocessing, `${damaged}: preprocessing`);
  }
  if (manifest.calibration !== undefined) {
    checkCalibration(manifest.calibration, `${damaged}: calibration`);
  }
  if (manifest.training !== undefined) {
    checkTrainingRecord(manifest.training, `${damaged}: training`);
  }
  if (manifest.version > CHECKPOINT_VERSION) {
    throw new Error(
      `checkpoint '${where}' has format version ${manifest.version}; this patchfx reads up to ${CHECKPOINT_VERSION}: upgrade patchfx`,
    );
  }
  // The stored name is parsed once, here.
  let stored: ModelConfig;
  try {
    stored = resolveModelConfig(manifest.whichModelNetD);
  } catch (e) {
    throw new Error(`${damaged}: whichModelNetD: ${(e as Error).message}`);
  }
  if (options.whichModelNetD) {
    const asked = resolveModelConfig(options.whichModelNetD);
    if (!sameArchitecture(asked, stored)) {
      const name = modelName(asked);
      throw new Error(
        `checkpoint '${where}' holds a '${manifest.whichModelNetD}' model, but '${name}' was asked for: ` +
          `use --which_model_netD ${manifest.whichModelNetD}, or point at a '${name}' checkpoint`,
      );
    }
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
