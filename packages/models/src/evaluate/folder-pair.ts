/**
 * What `evaluateFolders` and `collectTopPatches` share: a folder of real and a folder of fake
 * images, the model (a checkpoint folder or a model in memory) and how it runs.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { discoverImages } from '@patchfx/data/node';
import { getModelMetadata } from '../build.js';
import { foldBatchNorm, type FoldedModel } from '../fold/fold-batch-norm.js';
import { loadCheckpoint } from '../node/checkpoint.js';
import {
  OnnxModel,
  RUNTIMES,
  type AsyncPredictor,
  type OnnxModelOptions,
  type Runtime,
} from '../onnx/runtime.js';
import type { ModelConfig } from '../variants.js';
import type { Predictor } from './predict.js';

/** The folders, the model and how it runs. */
export interface FolderPairOptions {
  /** Folder of real images (searched recursively, sorted by path). */
  readonly realDir: string;
  /** Folder of fake images. */
  readonly fakeDir: string;
  /**
   * A checkpoint folder (loaded, used and disposed), or a model in memory (the caller keeps
   * and disposes it).
   */
  readonly model: string | LayersModel;
  /**
   * The architecture expected of a checkpoint folder (a name or a resolved config): another one
   * is an error naming both.
   */
  readonly whichModelNetD?: string | ModelConfig;
  /** Output channel of the fake class (real = 1 − it). @defaultValue 0 */
  readonly fakeClassId?: 0 | 1;
  /** Images per model call. @defaultValue 32 */
  readonly batchSize?: number;
  /** Use at most this many images of each folder (the first, sorted). @defaultValue Infinity */
  readonly maxDatasetSize?: number;
  /**
   * Run the model with its BatchNorm folded into the convolutions: the same logits within float
   * rounding, faster. @defaultValue true
   */
  readonly foldBatchNorm?: boolean;
  /**
   * Where the model runs: `'tfjs'` (the model, folded unless `foldBatchNorm` is false), or
   * `'onnx'` (the model exported to ONNX and run by onnxruntime, an optional peer; the same
   * scores within float rounding). @defaultValue 'tfjs'
   */
  readonly runtime?: Runtime;
  /** onnxruntime options of `runtime: 'onnx'` (its module, threads, execution providers). */
  readonly onnx?: OnnxModelOptions;
  /** Skip unreadable files (each with a warning) instead of throwing. @defaultValue false */
  readonly skipBadFiles?: boolean;
  /** Called with each warning. @defaultValue ignores them */
  readonly onWarning?: (message: string) => void;
}

/** The folders' files and the model, ready to predict. */
export interface PreparedFolderPair {
  readonly realFiles: readonly string[];
  readonly fakeFiles: readonly string[];
  readonly fakeClassId: 0 | 1;
  /** The model (its geometry, its metadata). */
  readonly model: LayersModel;
  /** What runs: the folded model, the model itself, or the model in onnxruntime. */
  readonly predictor: LayersModel | Predictor | AsyncPredictor;
  /** The model's architecture, e.g. `xception_block2`. */
  readonly whichModelNetD: string;
  readonly config: ModelConfig;
}

function checkFolder(fn: string, value: unknown, name: string, what: string): string {
  if (typeof value !== 'string' || value === '')
    throw new Error(`${fn}: give ${name}, the folder of ${what} images`);
  return value;
}

/**
 * Checks the options, finds the images of both folders, loads the model (a checkpoint folder)
 * and folds it, runs `run`, then disposes what it made (never the caller's model).
 *
 * @param fn - The caller's name, for errors.
 */
export async function withFolderPair<T>(
  fn: string,
  options: FolderPairOptions,
  run: (pair: PreparedFolderPair) => Promise<T>,
): Promise<T> {
  const realDir = checkFolder(fn, options.realDir, 'realDir', 'real');
  const fakeDir = checkFolder(fn, options.fakeDir, 'fakeDir', 'fake');
  const runtime = options.runtime ?? 'tfjs';
  if (!RUNTIMES.includes(runtime))
    throw new Error(
      `${fn}: runtime must be one of ${RUNTIMES.map((r) => `'${r}'`).join(' | ')}, got ${JSON.stringify(runtime)}`,
    );
  const fakeClassId = options.fakeClassId ?? 0;
  if (fakeClassId !== 0 && fakeClassId !== 1)
    throw new Error(`${fn}: fakeClassId must be 0 or 1, got ${String(fakeClassId)}`);
  const [real, fake] = await Promise.all([
    discoverImages(realDir, { maxDatasetSize: options.maxDatasetSize }),
    discoverImages(fakeDir, { maxDatasetSize: options.maxDatasetSize }),
  ]);
  const owned = typeof options.model === 'string';
  const model =
    typeof options.model === 'string'
      ? (await loadCheckpoint(options.model, { whichModelNetD: options.whichModelNetD })).model
      : options.model;
  let folded: FoldedModel | null = null;
  let onnx: OnnxModel | null = null;
  try {
    const { whichModelNetD, config } = getModelMetadata(model);
    if (runtime === 'onnx') {
      // Imported here: the exporter's protobufjs loads only when the onnx runtime is used.
      const { exportOnnx } = await import('../onnx/export.js');
      onnx = await OnnxModel.create(exportOnnx(model), options.onnx);
    } else folded = options.foldBatchNorm === false ? null : foldBatchNorm(model);
    return await run({
      realFiles: real.files,
      fakeFiles: fake.files,
      fakeClassId,
      model,
      predictor: onnx ?? folded ?? model,
      whichModelNetD,
      config,
    });
  } finally {
    folded?.dispose();
    await onnx?.dispose();
    if (owned) model.dispose();
  }
}
