import { randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { encodeTfRecord } from '../tfrecord/frame.js';
import { streamTfRecords, type TfRecord, type TfRecordReadOptions } from '../tfrecord/reader.js';

/** Options of {@link readTfRecords}. */
export interface ReadTfRecordsOptions extends Omit<TfRecordReadOptions, 'file'> {
  /** Stops reading when aborted: the iteration throws an `AbortError`. */
  readonly signal?: AbortSignal;
  /** Bytes read from the file at a time. @defaultValue 1 MiB */
  readonly chunkBytes?: number;
}

/**
 * Reads a TFRecord file record by record, streaming: one record and one chunk of the file are in
 * memory at a time, so a 30 GB file reads like a small one. Both CRCs of every record are
 * checked; errors name the file, the record and its byte offset.
 *
 * @param path - The `.tfrecord(s)` file (uncompressed; GZIP/ZLIB TFRecords are not read).
 * @param options - What to do with bad records, an abort signal, the chunk size.
 * @returns The records, in order, each with its index and byte offset.
 * @throws An error naming the file when it does not exist or is not a file;
 *   `TfRecordError` (`@patchfx/data/tfrecord`) on a bad or truncated record (unless
 *   `skipBadRecords`).
 *
 * @example
 * ```ts
 * import { decodeImageRecord } from '@patchfx/data/tfrecord';
 * import { readTfRecords } from '@patchfx/data/node';
 * for await (const record of readTfRecords('ffhq-r10.tfrecords')) {
 *   const image = decodeImageRecord(record); // 1024×1024 RGB
 * }
 * ```
 */
export async function* readTfRecords(
  path: string,
  options: ReadTfRecordsOptions = {},
): AsyncGenerator<TfRecord> {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new Error(`TFRecord file '${path}' not found: check the path`);
  }
  if (!isFile) throw new Error(`'${path}' is not a file; expected a TFRecord file`);
  const stream = createReadStream(path, {
    highWaterMark: options.chunkBytes ?? 1 << 20,
    signal: options.signal,
  });
  try {
    yield* streamTfRecords(stream as AsyncIterable<Uint8Array>, { ...options, file: path });
  } finally {
    stream.destroy();
  }
}

/** A TFRecord file being written (see {@link createTfRecordWriter}). */
export interface TfRecordWriter {
  /** Appends one record (framed with its length and CRCs). */
  write(data: Uint8Array): void;
  /** Records written so far. */
  readonly count: number;
  /** Finishes the file: renames the temporary file to its path (replacing an older file). */
  close(): void;
  /** Gives up: removes the temporary file; the path is left as it was. */
  abort(): void;
}

/**
 * Writes a TFRecord file, record by record, atomically: records go to a temporary sibling
 * (`<path>.tmp-<pid>-<random>`) that {@link TfRecordWriter.close} renames to `path`, so a
 * reader (or an interrupted run) never sees a half-written file under `path`. Call
 * {@link TfRecordWriter.abort} on failure (the temporary file is removed). Nothing is fsynced.
 *
 * @param path - The file to write; its folder is created.
 * @returns The writer.
 *
 * @example
 * ```ts
 * import { encodeExample, imageToExample } from '@patchfx/data/tfrecord';
 * import { createTfRecordWriter } from '@patchfx/data/node';
 * const writer = createTfRecordWriter('mine.tfrecords');
 * try {
 *   for (const image of images) writer.write(encodeExample(imageToExample(image)));
 *   writer.close();
 * } catch (e) {
 *   writer.abort();
 *   throw e;
 * }
 * ```
 */
export function createTfRecordWriter(path: string): TfRecordWriter {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let fd: number | null = openSync(tmp, 'w');
  let count = 0;
  const open = () => {
    if (fd === null) throw new Error(`the TFRecord writer of '${path}' is already closed`);
    return fd;
  };
  return {
    write(data) {
      const framed = encodeTfRecord(data);
      const f = open();
      let done = 0;
      while (done < framed.length) done += writeSync(f, framed, done);
      count++;
    },
    get count() {
      return count;
    },
    close() {
      closeSync(open());
      fd = null;
      renameSync(tmp, path);
    },
    abort() {
      if (fd !== null) closeSync(fd);
      fd = null;
      rmSync(tmp, { force: true });
    },
  };
}
