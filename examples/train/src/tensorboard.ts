/**
 * The train program's TensorBoard log, as the reference's tensorboardX `Visualizer` wrote it:
 * `<tensorboard_dir>/<name>/events.out.tfevents.*`, the training scalars against the total batch
 * count every `print_freq` batches, the validation scalars against the epoch, and every
 * `display_freq` batches the `Visuals` grid (inputs and their P(real) overlays).
 */
import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  trainingLogits,
  type DisplayBatch,
  type EpochLog,
  type StepLog,
} from '@patchfx/models/train';
import { imageFromFloats, imageGrid, trainingOverlay, type PixelImage } from '@patchfx/viz';
import { createTensorBoardWriter } from '@patchfx/viz/node';

/** Values of `--tensorboard_dir` that write no event file. */
export const TENSORBOARD_OFF: readonly string[] = Object.freeze(['', 'none']);

/** Columns of the `Visuals` grid, and images of each class shown (the reference's 5). */
const VISUALS_PER_CLASS = 5;
/** Black lines between the tiles (torchvision's `make_grid` default). */
const GRID_PADDING = 2;

/** What {@link openTrainingBoard} needs. */
export interface TrainingBoardOptions {
  /** The model trained (its main-thread copy, the one the step updates). */
  readonly model: LayersModel;
  /** A patch model (overlays) or a full-image one (inputs only, as the reference). */
  readonly patch: boolean;
  readonly fakeClassId: number;
  /** Training scalars every this many batches (`--print_freq`). */
  readonly printFreq: number;
  /** Images one forward pass may hold (the memory plan); null: the whole batch (see {@link trainingVisuals}). */
  readonly passSize: number | null;
  /** The run restarts after this many batches (a resume); null: a fresh run. */
  readonly resumedAt: number | null;
  readonly onWarning: (message: string) => void;
}

/** The TensorBoard side of a training run. */
export interface TrainingBoard {
  /** The event file. */
  readonly path: string;
  step(l: StepLog): void;
  epoch(l: EpochLog): void;
  display(b: DisplayBatch): Promise<void>;
  close(): void;
}

/**
 * Opens `<dir>` for a run's events: a new event file (a resumed run, or a fresh run in a folder
 * that already holds events, starts with a `SessionLog` START at the step it restarts from, so
 * TensorBoard does not show the steps that run again twice).
 */
export async function openTrainingBoard(
  dir: string,
  o: TrainingBoardOptions,
): Promise<TrainingBoard> {
  const hadEvents = existsSync(dir) && readdirSync(dir).some((n) => n.includes('tfevents'));
  const resumeStep = o.resumedAt !== null ? o.resumedAt + 1 : hadEvents ? 0 : undefined;
  const tb = await createTensorBoardWriter(dir, { resumeStep });
  // Tags as the reference's: the loss name with its first '_' turned into '/'.
  const tag = (name: string) => name.replace('_', '/');
  const accuracies = (r: { raw: number; voted: number; avg: number }, suffix: string) =>
    o.patch
      ? [
          [`acc_D_raw${suffix}`, r.raw],
          [`acc_D_voted${suffix}`, r.voted],
          [`acc_D_avg${suffix}`, r.avg],
        ]
      : [[`acc_D${suffix}`, r.raw]];
  return {
    path: tb.path,
    step(l) {
      if (l.step % o.printFreq !== 0) return;
      for (const [k, v] of [['loss_D', l.loss], ...accuracies(l, '')] as const) {
        tb.scalar(tag(String(k)), Number(v), l.step);
      }
      tb.scalar('lr', l.lr, l.step);
    },
    epoch(l) {
      for (const [k, v] of [['loss_D_val', l.val.loss], ...accuracies(l.val, '_val')] as const) {
        tb.scalar(tag(String(k)), Number(v), l.epoch);
      }
    },
    async display(b) {
      try {
        tb.image('Visuals', await trainingVisuals(o.model, b.images, b.labels, o), b.step);
      } catch (e) {
        o.onWarning(
          `TensorBoard: no visuals at step ${b.step}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    },
    close() {
      tb.close();
    },
  };
}

/**
 * The reference's training visuals (spec §2.3): up to 5 fake and 5 real inputs of the batch,
 * each beside its P(real) patch map overlaid with `trainingOverlay` (probability × 255, bilinear,
 * JET, 0.3·heatmap + 0.5·image; not min-max normalised). The map comes from a training-mode
 * forward pass of the batch (`trainingLogits`: batch statistics, moving statistics untouched)
 * with the weights before the step's update, as the reference's visuals come from the step's
 * own forward pass (when the batch does not fit one pass, the shown images alone, in passes that
 * fit). Rows: fakes, their overlays, reals, their overlays (full-image models:
 * fakes, reals); 5 columns, 2-px black lines, missing tiles white.
 */
export async function trainingVisuals(
  model: LayersModel,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  o: {
    readonly patch: boolean;
    readonly fakeClassId: number;
    /**
     * Images one forward pass may hold (the memory plan's images per pass); null: the whole
     * batch in one pass. When smaller than the batch, only the shown images are passed, in
     * passes of this size (BatchNorm then normalises each pass alone).
     */
    readonly passSize?: number | null;
  },
): Promise<PixelImage> {
  const ids = Array.from(await labels.data());
  const fakes = ids.flatMap((l, i) => (l === o.fakeClassId ? [i] : [])).slice(0, VISUALS_PER_CLASS);
  const reals = ids.flatMap((l, i) => (l !== o.fakeClassId ? [i] : [])).slice(0, VISUALS_PER_CLASS);
  const picked = [...fakes, ...reals];
  const [, height, width, channels] = images.shape;
  const [pixels, probs = null] = tf.tidy((): tf.Tensor[] => {
    const idx = tf.tensor1d(picked, 'int32');
    const x = tf.gather(images, idx);
    if (!o.patch) return [x];
    // P(real): the softmax's real channel (1 − fake_class_id), per patch.
    const pReal = (logits: tf.Tensor) => tf.gather(tf.softmax(logits), [1 - o.fakeClassId], 3);
    const pass = o.passSize ?? null;
    if (pass === null || pass >= images.shape[0]) {
      return [x, tf.gather(pReal(trainingLogits(model, images)), idx)];
    }
    // The batch did not fit one pass: the shown images only, in passes of that size.
    const parts: tf.Tensor[] = [];
    for (let k = 0; k < picked.length; k += pass) {
      const n = Math.min(pass, picked.length - k);
      parts.push(pReal(trainingLogits(model, tf.slice(x, [k, 0, 0, 0], [n, -1, -1, -1]))));
    }
    return [x, tf.concat(parts)];
  });
  try {
    const [px, pr] = (await Promise.all([pixels.data(), probs?.data()])) as Float32Array[];
    const tileSize = height * width * channels;
    const tile = (k: number) =>
      imageFromFloats(px.subarray(k * tileSize, (k + 1) * tileSize), {
        height,
        width,
        channels: channels as 3,
      });
    const [, mh, mw] = probs?.shape ?? [0, 0, 0];
    const overlay = (k: number) =>
      trainingOverlay(tile(k), {
        data: pr!.subarray(k * mh * mw, (k + 1) * mh * mw),
        height: mh,
        width: mw,
      });
    const blank: PixelImage = {
      data: new Uint8Array(tileSize).fill(255),
      width,
      height,
      channels: 3,
    };
    const row = (ks: number[], f: (k: number) => PixelImage) =>
      Array.from({ length: VISUALS_PER_CLASS }, (_, j) => (j < ks.length ? f(ks[j]) : blank));
    const fakeKs = fakes.map((_, j) => j);
    const realKs = reals.map((_, j) => fakes.length + j);
    const rows = o.patch
      ? [row(fakeKs, tile), row(fakeKs, overlay), row(realKs, tile), row(realKs, overlay)]
      : [row(fakeKs, tile), row(realKs, tile)];
    return imageGrid(rows.flat(), {
      columns: VISUALS_PER_CLASS,
      padding: GRID_PADDING,
      background: [0, 0, 0],
    });
  } finally {
    tf.dispose([pixels, probs].filter((t): t is tf.Tensor => t !== null));
  }
}
