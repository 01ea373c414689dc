/**
 * Runs a model over image files with the evaluation transform and keeps, per image, the raw
 * logit map — everything the metrics, score files and heatmaps are computed from.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { evalTransform, normalizeImage, type RgbImage, type TransformConfig } from '@patchfx/data';
import { loadImageFile } from '@patchfx/data/node';

/** Logits of one image: `[H·W·2]` (patch models, NHWC order) or `[2]` (full models). */
export interface ImagePrediction {
  readonly path: string;
  /** Class id of the image (fake = fakeClassId). */
  readonly label: number;
  readonly logits: Float32Array;
}

/**
 * What `predictFiles` runs: a model, or its BatchNorm-folded version (`foldBatchNorm` of
 * `@patchfx/models`, the fast path for inference).
 */
export interface Predictor {
  predict(x: tf.Tensor4D): tf.Tensor | tf.Tensor[];
}

export interface PredictOptions {
  readonly transform: TransformConfig;
  readonly batchSize: number;
  readonly label: number;
  readonly skipBadFiles: boolean;
  readonly onWarning: (message: string) => void;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Loads and transforms one image for the model (the documented evaluation pipeline). */
export async function prepareImage(path: string, transform: TransformConfig): Promise<RgbImage> {
  return evalTransform(await loadImageFile(path), transform);
}

/**
 * Predicts every file in order.
 * @returns Predictions (bad files skipped with a warning when allowed) and the map size.
 */
export async function predictFiles(
  model: LayersModel | Predictor,
  files: readonly string[],
  options: PredictOptions,
): Promise<{
  predictions: ImagePrediction[];
  mapSize: [number, number] | null;
  skipped: string[];
}> {
  const predictions: ImagePrediction[] = [];
  const skipped: string[] = [];
  let mapSize: [number, number] | null = null;
  for (let start = 0; start < files.length; start += options.batchSize) {
    const chunk = files.slice(start, start + options.batchSize);
    const images: RgbImage[] = [];
    const paths: string[] = [];
    for (const f of chunk) {
      try {
        images.push(await prepareImage(f, options.transform));
        paths.push(f);
      } catch (e) {
        if (!options.skipBadFiles) throw e;
        skipped.push(f);
        options.onWarning(`skipping '${f}': ${(e as Error).message}`);
      }
    }
    if (images.length) {
      const { width, height } = images[0];
      const data = new Float32Array(images.length * width * height * 3);
      images.forEach((im, i) => normalizeImage(im, data, i * width * height * 3));
      const out = tf.tidy(
        () => model.predict(tf.tensor4d(data, [images.length, height, width, 3])) as tf.Tensor,
      );
      const values = (await out.data()) as Float32Array;
      const per = values.length / images.length;
      if (out.rank === 4) mapSize = [out.shape[1]!, out.shape[2]!];
      out.dispose();
      paths.forEach((p, i) =>
        predictions.push({
          path: p,
          label: options.label,
          logits: values.slice(i * per, (i + 1) * per),
        }),
      );
    }
    options.onProgress?.(Math.min(start + options.batchSize, files.length), files.length);
  }
  return { predictions, mapSize, skipped };
}

/** Softmax of one logit pair. */
export function softmax2(a: number, b: number): [number, number] {
  const m = Math.max(a, b);
  const ea = Math.exp(a - m);
  const eb = Math.exp(b - m);
  return [ea / (ea + eb), eb / (ea + eb)];
}

/** The P(class `c`) map `[H·W]` of one patch prediction. */
export function probabilityMap(logits: Float32Array, c: number): Float32Array {
  const n = logits.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = softmax2(logits[2 * i], logits[2 * i + 1])[c];
  return out;
}
