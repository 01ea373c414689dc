/**
 * One batch of work for the loader: decode, transform and normalise images into one NHWC
 * Float32Array. Runs the same in a worker thread and on the main thread, so results never
 * depend on which ran it.
 */
import { ImageDecodeError } from '../image.js';
import { createRng } from '../random.js';
import { normalizeImage } from '../transforms/normalize.js';
import {
  applyTransform,
  type TransformConfig,
  type TransformMode,
} from '../transforms/pipeline.js';
import { loadImageFile } from './codecs.js';

/** A batch job: every image with the seed key of its own random stream. */
export interface BatchJob {
  readonly id: number;
  readonly paths: readonly string[];
  /** Per image: the `createRng` key (e.g. `[seed, epoch, batch, slot]`). */
  readonly seeds: ReadonlyArray<readonly number[]>;
  readonly config: TransformConfig;
  readonly mode: TransformMode;
  /** Output side length. */
  readonly size: number;
  /** Whether a bad file fails the job (`'throw'`) or is reported in `failed`. */
  readonly onError: 'throw' | 'skip';
}

/** What a job gives back. */
export interface BatchJobResult {
  readonly id: number;
  /** `paths.length × size × size × 3` floats; the slots of failed images are zeros. */
  readonly images: Float32Array;
  /** Per image: the error message when it failed (`'skip'` mode), else null. */
  readonly failed: Array<string | null>;
}

/** A decode error as plain data (crosses the worker boundary). */
export interface JobError {
  readonly message: string;
  readonly file?: string;
  readonly reason?: string;
  readonly kind?: 'unsupported' | 'invalid';
}

export function toJobError(e: unknown): JobError {
  if (e instanceof ImageDecodeError)
    return { message: e.message, file: e.file, reason: e.reason, kind: e.kind };
  return { message: e instanceof Error ? e.message : String(e) };
}

export function fromJobError(e: JobError): Error {
  return e.file !== undefined && e.reason !== undefined
    ? new ImageDecodeError(e.file, e.reason, e.kind)
    : new Error(e.message);
}

/**
 * Runs a batch job.
 *
 * @returns The normalised images (caller owns them).
 * @throws {@link ImageDecodeError} on a bad file when `onError` is `'throw'`.
 */
export async function runBatchJob(job: BatchJob): Promise<BatchJobResult> {
  const per = job.size * job.size * 3;
  const images = new Float32Array(job.paths.length * per);
  const failed: Array<string | null> = [];
  for (let i = 0; i < job.paths.length; i++) {
    try {
      const img = await loadImageFile(job.paths[i]);
      const out = await applyTransform(img, job.config, job.mode, createRng(job.seeds[i]));
      if (out.width !== job.size || out.height !== job.size) {
        throw new Error(
          `transform gave ${out.width}×${out.height}, expected ${job.size}×${job.size} for '${job.paths[i]}'`,
        );
      }
      normalizeImage(out, images, i * per);
      failed.push(null);
    } catch (e) {
      if (job.onError === 'throw' || !(e instanceof ImageDecodeError)) throw e;
      failed.push(e.message);
    }
  }
  return { id: job.id, images, failed };
}
