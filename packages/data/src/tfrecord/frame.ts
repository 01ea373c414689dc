/**
 * TFRecord framing: each record is
 * `uint64 length (LE) · uint32 masked CRC-32C of the length · data · uint32 masked CRC-32C of
 * the data`. The format of TensorFlow's datasets and of TensorBoard's event files.
 */
import { maskedCrc32c } from '../crc32.js';

/** Bytes around each record's data: 8 (length) + 4 (its CRC) before, 4 (data CRC) after. */
export const TFRECORD_OVERHEAD = 16;

/**
 * Frames one record.
 *
 * @param data - The record's bytes (e.g. a serialised `tf.train.Example` or `Event`).
 * @returns The framed record, `data.length + 16` bytes.
 *
 * @example
 * ```ts doctest
 * import { encodeTfRecord } from '@patchfx/data/tfrecord';
 * encodeTfRecord(new Uint8Array([1, 2, 3])).length; // => 19
 * ```
 */
export function encodeTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + TFRECORD_OVERHEAD);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length % 2 ** 32, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
