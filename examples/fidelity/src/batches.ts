/**
 * The batches `npm run train` trains on, handed to the PyTorch trainer: the train program's own
 * data source ({@link pairedSource} of `@patchfx/models/node`, the same files, order,
 * pairing, crops and flips for a seed), written one epoch at a time as the images' RGB bytes.
 *
 * Bytes, not floats: every float of a batch is `normalizeImage`'s value of one byte, so the bytes
 * carry the batch exactly at a quarter of the size, and the PyTorch side normalises them with
 * the same float32 table.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pairedSource, type PairedSource, type PairedSourceOptions } from '@patchfx/models/node';
import type { Batch } from '@patchfx/models/train';

/** What the data of a fidelity run depends on: the train program's data options. */
export type BatchPlanOptions = Omit<PairedSourceOptions, 'workers' | 'skipBadFiles' | 'onWarning'>;

/** One epoch's file: where, and per batch `[count, size]`. */
export interface EpochFile {
  readonly file: string;
  readonly batches: Array<[number, number]>;
  /** sha256 of each batch's float32 NHWC images, as the model gets them. */
  readonly sha256: string[];
}

/** The source `npm run train` builds from the same options (loader threads do not change it). */
export function planSource(o: BatchPlanOptions, onWarning: (m: string) => void): PairedSource {
  return pairedSource({ ...o, workers: 1, skipBadFiles: false, onWarning });
}

/** sha256 of a batch's float32 images (NHWC), the same bytes the PyTorch side hashes. */
export async function batchHash(b: Batch): Promise<string> {
  const data = (await b.images.data()) as Float32Array;
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

/** `(v/255 − 0.5)·2` in float32 back to the byte v (exact: normalizeImage is one-to-one). */
function toBytes(images: Float32Array): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = Math.round((images[i] / 2 + 0.5) * 255);
  return out;
}

/**
 * Writes one epoch of `source` (`'train'` epoch `epoch`, or the val split) to `file`.
 * @returns The file, each batch's count and size, and each batch's hash. Disposes the batches.
 */
export async function writeEpoch(
  source: PairedSource,
  split: 'train' | 'val',
  epoch: number,
  file: string,
): Promise<EpochFile> {
  const parts: Uint8Array[] = [];
  const batches: Array<[number, number]> = [];
  const sha256: string[] = [];
  const it = split === 'train' ? source.trainEpoch(epoch, 0) : source.val();
  for await (const b of it) {
    try {
      const [count, size] = b.images.shape;
      const data = (await b.images.data()) as Float32Array;
      parts.push(toBytes(data));
      batches.push([count, size]);
      sha256.push(await batchHash(b));
    } finally {
      b.images.dispose();
      b.labels.dispose();
    }
  }
  writeFileSync(file, Buffer.concat(parts));
  return { file, batches, sha256 };
}
