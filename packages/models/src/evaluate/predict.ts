/**
 * Predicting a list of image files: each file loaded and transformed as evaluation does
 * (`evalTransform` of `@patchfx/data`), run through the model in batches, and kept with its raw
 * logits, from which metrics, score files and heatmaps are computed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { evalTransform, normalizeImage, type RgbImage, type TransformConfig } from '@patchfx/data';
import { loadImageFile } from '@patchfx/data/node';
import type { AsyncPredictor } from '../onnx/runtime.js';

/** The prediction of one image file. */
export interface ImagePrediction {
  /** The file. */
  readonly path: string;
  /** Class id of the image (fake = `fakeClassId`). */
  readonly label: number;
  /** Logits: `[H·W·2]` for patch models (NHWC order), `[2]` for full-image models. */
  readonly logits: Float32Array;
}

/**
 * What {@link predictFiles} runs: a model, or its BatchNorm-folded version (`foldBatchNorm` of
 * `@patchfx/models`, the fast path for inference), or (an {@link AsyncPredictor}) the model in
 * onnxruntime (`OnnxModel` of `@patchfx/models/onnx`).
 */
export interface Predictor {
  predict(x: tf.Tensor4D): tf.Tensor | tf.Tensor[];
}

/** Options of {@link predictFiles}. */
export interface PredictFilesOptions {
  /** The evaluation transform (`resolveTransformConfig` of `@patchfx/data`). */
  readonly transform: TransformConfig;
  /** Class id recorded as every prediction's `label`. */
  readonly label: number;
  /** Images per model call. @defaultValue 32 */
  readonly batchSize?: number;
  /** Skip unreadable files (each with a warning) instead of throwing. @defaultValue false */
  readonly skipBadFiles?: boolean;
  /** Called with a message for each skipped file. @defaultValue ignores them */
  readonly onWarning?: (message: string) => void;
  /** Called after each batch with the files done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What {@link predictFiles} returns. */
export interface FilePredictions {
  /** One per file read, in the order of the files. */
  readonly predictions: ImagePrediction[];
  /** `[H, W]` of the patch map (patch models), or null (full-image models, or no file read). */
  readonly mapSize: [number, number] | null;
  /** The files skipped as unreadable (`skipBadFiles`). */
  readonly skipped: string[];
}

/** Loads one image file and applies the evaluation transform: the model's input, as RGB bytes. */
export async function prepareImage(path: string, transform: TransformConfig): Promise<RgbImage> {
  return evalTransform(await loadImageFile(path), transform);
}

/**
 * Predicts every file, in order, in batches.
 *
 * Input shape of the model: `[batch, h, w, 3]` in [-1, 1]; output `[batch, H, W, 2]` (patch
 * models) or `[batch, 2]` (full-image models).
 *
 * @param model - A model, or a folded one (see {@link Predictor}); the caller keeps it.
 * @param files - Image files (`discoverImages` of `@patchfx/data/node` finds them in a folder).
 * @returns The predictions, the patch map size and the skipped files.
 * @throws An unreadable file's error, unless `skipBadFiles`; an error on a bad `batchSize`.
 */
export async function predictFiles(
  model: LayersModel | Predictor | AsyncPredictor,
  files: readonly string[],
  options: PredictFilesOptions,
): Promise<FilePredictions> {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`predictFiles: batchSize must be a whole number ≥ 1, got ${batchSize}`);
  const predictions: ImagePrediction[] = [];
  const skipped: string[] = [];
  let mapSize: [number, number] | null = null;
  for (let start = 0; start < files.length; start += batchSize) {
    const chunk = files.slice(start, start + batchSize);
    const images: RgbImage[] = [];
    const paths: string[] = [];
    for (const f of chunk) {
      try {
        images.push(await prepareImage(f, options.transform));
        paths.push(f);
      } catch (e) {
        if (!options.skipBadFiles) throw e;
        skipped.push(f);
        options.onWarning?.(`skipping '${f}': ${(e as Error).message}`);
      }
    }
    if (images.length) {
      const { width, height } = images[0];
      const data = new Float32Array(images.length * width * height * 3);
      images.forEach((im, i) => normalizeImage(im, data, i * width * height * 3));
      const shape = [images.length, height, width, 3] as const;
      let values: Float32Array;
      let outShape: readonly number[];
      if ('predictAsync' in model) {
        ({ data: values, shape: outShape } = await model.predictAsync(data, shape));
      } else {
        const out = tf.tidy(() => model.predict(tf.tensor4d(data, [...shape])) as tf.Tensor);
        values = (await out.data()) as Float32Array;
        outShape = out.shape;
        out.dispose();
      }
      const per = values.length / images.length;
      if (outShape.length === 4) mapSize = [outShape[1], outShape[2]];
      paths.forEach((p, i) =>
        predictions.push({
          path: p,
          label: options.label,
          logits: values.slice(i * per, (i + 1) * per),
        }),
      );
    }
    options.onProgress?.(Math.min(start + batchSize, files.length), files.length);
  }
  return { predictions, mapSize, skipped };
}

/**
 * Softmax of one logit pair, in float64.
 *
 * @example
 * ```ts doctest
 * import { softmaxPair } from '@patchfx/models/evaluate';
 * softmaxPair(0, Math.log(3)); // ≈ [0.25, 0.75]
 * ```
 */
export function softmaxPair(a: number, b: number): [number, number] {
  const m = Math.max(a, b);
  const ea = Math.exp(a - m);
  const eb = Math.exp(b - m);
  return [ea / (ea + eb), eb / (ea + eb)];
}

/** The P(class `c`) map `[H·W]` of one patch prediction's logits `[H·W·2]`. */
export function probabilityMap(logits: Float32Array, c: number): Float32Array {
  const n = logits.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = softmaxPair(logits[2 * i], logits[2 * i + 1])[c];
  return out;
}
