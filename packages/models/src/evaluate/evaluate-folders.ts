/**
 * Evaluating a model on a folder of real and a folder of fake images, as the reference's
 * test.py computes it (spec §4): every image predicted (reals first, then fakes), the image
 * scores under every aggregation mode, and the metrics of each mode and of the patches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveTransformConfig, type TransformConfig } from '@patchfx/data';
import {
  AVERAGE_MODES,
  aggregatePredictionsAsync,
  computeMetrics,
  patchSamplesAsync,
  type AverageMode,
  type MetricsReport,
} from '@patchfx/metrics';
import { isPatchModel } from '../variants.js';
import { withFolderPair, type FolderPairOptions } from './folder-pair.js';
import { predictFiles, softmaxPair, type ImagePrediction } from './predict.js';

/** Options of {@link evaluateFolders}. */
export interface EvaluateFoldersOptions extends FolderPairOptions {
  /**
   * The evaluation transform: `loadSize`, `fineSize` and the test-time perturbations
   * (`testCompression`, …); `patchModel` is taken from the model. @defaultValue the defaults
   * of `resolveTransformConfig`
   */
  readonly transform?: Partial<Omit<TransformConfig, 'patchModel'>>;
}

/** What {@link evaluateFolders} computed. */
export interface FolderEvaluation {
  /** The model's architecture, e.g. `xception_block2`. */
  readonly whichModelNetD: string;
  /** True for patch models (a logit map per image), false for full-image classifiers. */
  readonly patchModel: boolean;
  /** The evaluation transform used. */
  readonly transform: TransformConfig;
  readonly fakeClassId: 0 | 1;
  /** Every image read: the reals, then the fakes (the reference's order). */
  readonly predictions: readonly ImagePrediction[];
  /** `[H, W]` of the patch map (patch models), else null. */
  readonly mapSize: readonly [number, number] | null;
  /** Files skipped as unreadable (`skipBadFiles`). */
  readonly skippedFiles: readonly string[];
  /**
   * Per image, `[P(class 0), P(class 1)]` under each aggregation mode (same order as
   * `predictions`). A full-image model gives one prediction per image: every mode holds its
   * softmax.
   */
  readonly scores: Readonly<Record<AverageMode, number[][]>>;
  /** Image-level metrics of each mode (a full-image model: the same report under every mode). */
  readonly metrics: Readonly<Record<AverageMode, MetricsReport>>;
  /** Every patch as one sample labelled with its image's label (patch models), else null. */
  readonly patchMetrics: MetricsReport | null;
}

/**
 * Evaluates a model on a folder of real and a folder of fake images (the computation of the
 * reference's test.py): writes no files.
 *
 * @returns Predictions, scores under every aggregation mode and metrics (AP with real as the
 *   positive class, as the paper; `ap_fake` with fake positive).
 * @throws An error naming a missing or empty folder and the expected layout, a checkpoint of
 *   another architecture, or an unreadable image (unless `skipBadFiles`).
 *
 * @example
 * ```ts doctest skip="needs a checkpoint and two image folders; docs/evaluating.md runs one"
 * import { evaluateFolders } from '@patchfx/models/evaluate';
 * const r = await evaluateFolders({ realDir: 'data/real/test', fakeDir: 'data/fake/test', model: 'checkpoints/gan1/bestval' });
 * r.metrics.after_softmax.ap;
 * ```
 */
export async function evaluateFolders(options: EvaluateFoldersOptions): Promise<FolderEvaluation> {
  return withFolderPair('evaluateFolders', options, async (pair) => {
    const { fakeClassId, whichModelNetD, predictor } = pair;
    const realId = 1 - fakeClassId;
    const patchModel = isPatchModel(pair.config);
    const transform = resolveTransformConfig({ ...options.transform, patchModel });
    const common = {
      transform,
      batchSize: options.batchSize,
      skipBadFiles: options.skipBadFiles,
      onWarning: options.onWarning,
    };
    // Order as the reference: all reals, then all fakes.
    const r = await predictFiles(predictor, pair.realFiles, { ...common, label: realId });
    const f = await predictFiles(predictor, pair.fakeFiles, { ...common, label: fakeClassId });
    const predictions = [...r.predictions, ...f.predictions];
    const mapSize = r.mapSize ?? f.mapSize;
    const labels = predictions.map((p) => p.label);
    const base = { whichModelNetD, patchModel, transform, fakeClassId, predictions };
    const skippedFiles = [...r.skipped, ...f.skipped];
    if (!patchModel || !mapSize) {
      const s = predictions.map((p) => softmaxPair(p.logits[0], p.logits[1]));
      const m = computeMetrics(labels, s, { fakeClassId });
      return {
        ...base,
        mapSize: null,
        skippedFiles,
        scores: { vote: s, before_softmax: s, after_softmax: s },
        metrics: { vote: m, before_softmax: m, after_softmax: m },
        patchMetrics: null,
      };
    }
    const [h, w] = mapSize;
    const n = predictions.length;
    const all = new Float32Array(n * h * w * 2);
    predictions.forEach((p, i) => all.set(p.logits, i * h * w * 2));
    const logits = tf.tensor4d(all, [n, h, w, 2]);
    const labelsT = tf.tensor1d(labels, 'int32');
    try {
      const scores = {} as Record<AverageMode, number[][]>;
      const metrics = {} as Record<AverageMode, MetricsReport>;
      for (const mode of AVERAGE_MODES) {
        scores[mode] = await aggregatePredictionsAsync(logits, mode);
        metrics[mode] = computeMetrics(labels, scores[mode], { fakeClassId });
      }
      const samples = await patchSamplesAsync(logits, labelsT);
      const patchMetrics = computeMetrics(samples.labels, samples.scores, { fakeClassId });
      return { ...base, mapSize, skippedFiles, scores, metrics, patchMetrics };
    } finally {
      tf.dispose([logits, labelsT]);
    }
  });
}
