/**
 * Reading TFRecord files incrementally: chunks in (from a file stream, a `fetch` body, a
 * buffer), records out, each checked against both masked CRC-32Cs. Browser-safe; the Node file
 * reader `readTfRecords` (`@patchfx/data/node`) feeds it from `fs.createReadStream`.
 */
import { maskedCrc32c } from '../crc32.js';
import { TFRECORD_OVERHEAD } from './frame.js';

/** One record of a TFRecord file. */
export interface TfRecord {
  /** The record's bytes (e.g. a serialised `tf.train.Example`); a copy the caller owns. */
  readonly data: Uint8Array;
  /** Its position in the file: 0 for the first record, counting bad records too. */
  readonly index: number;
  /** Byte offset of its length field in the file. */
  readonly offset: number;
  /** The file it came from, when known (for messages). */
  readonly file?: string;
}

/** What can be wrong with a record (see {@link TfRecordError}). */
export type TfRecordProblem =
  'bad-length-crc' | 'bad-data-crc' | 'truncated' | 'too-large' | 'bad-content';

/**
 * A corrupt, truncated or unusable record. `message` names the file (when known), the record's
 * index and byte offset, what is wrong and what to do.
 */
export class TfRecordError extends Error {
  /** The file, or null when the reader was not told. */
  readonly file: string | null;
  /** The record's index (0-based; bad records count). */
  readonly index: number;
  /** Byte offset of the record's length field. */
  readonly offset: number;
  /** What is wrong. */
  readonly problem: TfRecordProblem;
  /** What is wrong, in words, without the file and position. */
  readonly reason: string;
  /**
   * Whether reading can go on after this record: true after a bad data CRC or bad content (the
   * length was sound, so the next record's start is known); false after a bad length CRC, a
   * length too large or a truncated file (nothing after it can be found).
   */
  readonly recoverable: boolean;

  constructor(
    at: { readonly file?: string | null; readonly index: number; readonly offset: number },
    problem: TfRecordProblem,
    reason: string,
    fix?: string,
  ) {
    const recoverable = problem === 'bad-data-crc' || problem === 'bad-content';
    const where = `${at.file ? `'${at.file}' ` : ''}record ${at.index} (byte offset ${at.offset})`;
    const advice =
      fix ??
      (problem === 'truncated'
        ? 'the file is cut short: re-download or re-copy it; the records before this one are sound'
        : recoverable
          ? 're-download the file, or skip this record (option skipBadRecords; in export-tfrecord --skip_bad_records)'
          : 'the file is corrupt from here on: re-download or re-copy it; the records before this one are sound');
    super(`TFRecord ${where}: ${reason}; ${advice}`);
    this.name = 'TfRecordError';
    this.file = at.file ?? null;
    this.index = at.index;
    this.offset = at.offset;
    this.problem = problem;
    this.reason = reason;
    this.recoverable = recoverable;
  }
}

/** Options of {@link createTfRecordParser} and the readers built on it. */
export interface TfRecordReadOptions {
  /** File name for messages and for each record's `file`. */
  readonly file?: string;
  /**
   * Skip a record whose data CRC is wrong (its length is sound, so the next record is found)
   * instead of throwing; `onBadRecord` hears of it. A bad length CRC and a truncated file still
   * end reading: after `onBadRecord`, without an error. @defaultValue false
   */
  readonly skipBadRecords?: boolean;
  /** Called for each bad record when `skipBadRecords` is on. */
  readonly onBadRecord?: (error: TfRecordError) => void;
  /** Check the data CRCs (the length CRCs are always checked). @defaultValue true */
  readonly verifyData?: boolean;
}

/** An incremental TFRecord parser: push chunks, take the records they complete. */
export interface TfRecordParser {
  /**
   * Adds the next bytes of the file.
   * @returns The records completed by them, in order (possibly none). Records before a bad one
   *   are returned first; the error comes with the next call (`push` or `end`).
   * @throws {@link TfRecordError} on a bad record (unless skipped, see `skipBadRecords`).
   */
  push(chunk: Uint8Array): TfRecord[];
  /**
   * Declares the end of the file.
   * @throws {@link TfRecordError} when the file ends inside a record, or a bad record's error
   *   is still held (unless `skipBadRecords`).
   */
  end(): void;
  /** Records seen so far (bad ones included). */
  readonly count: number;
  /** Bytes consumed so far: the offset of the next record. */
  readonly offset: number;
  /** Whether a bad record ended the parse (with `skipBadRecords`): what follows is ignored. */
  readonly stopped: boolean;
}

/** The largest record the parser holds: 2 GiB − 1 (a JavaScript typed array's safe size). */
const MAX_RECORD_BYTES = 2 ** 31 - 1;

/**
 * Creates an incremental TFRecord parser. Records are framed as `uint64 length · uint32 masked
 * CRC-32C(length) · data · uint32 masked CRC-32C(data)` (little-endian); both CRCs are checked.
 * It holds at most one record and one chunk in memory, so files of any size stream through.
 *
 * @param options - File name for messages, and what to do with bad records.
 * @returns The parser.
 *
 * @example
 * ```ts doctest
 * import { createTfRecordParser, encodeTfRecord } from '@patchfx/data/tfrecord';
 * const file = new Uint8Array([
 *   ...encodeTfRecord(new Uint8Array([1, 2])),
 *   ...encodeTfRecord(new Uint8Array([3])),
 * ]);
 * const parser = createTfRecordParser({ file: 'two.tfrecord' });
 * const records = [...parser.push(file.subarray(0, 20)), ...parser.push(file.subarray(20))];
 * parser.end();
 * records.map((r) => [r.index, r.offset, r.data.length]); // => [[0, 0, 2], [1, 18, 1]]
 * ```
 */
export function createTfRecordParser(options: TfRecordReadOptions = {}): TfRecordParser {
  const file = options.file;
  const skip = options.skipBadRecords ?? false;
  const verifyData = options.verifyData ?? true;
  let buf = new Uint8Array(0);
  let start = 0; // first unconsumed byte in buf
  let end = 0; // one past the last byte in buf
  let fileOffset = 0; // file offset of buf[start]
  let count = 0;
  let stopped = false;
  let pendingLength = -1; // data length of the record at buf[start], once its header is checked

  const append = (chunk: Uint8Array) => {
    if (end + chunk.length > buf.length) {
      const have = end - start;
      const need = have + chunk.length;
      if (need <= buf.length) {
        buf.copyWithin(0, start, end);
      } else {
        const grown = new Uint8Array(Math.max(need, 2 * buf.length));
        grown.set(buf.subarray(start, end));
        buf = grown;
      }
      start = 0;
      end = have;
    }
    buf.set(chunk, end);
    end += chunk.length;
  };

  // Without skipBadRecords, an error is held until the records before it have been handed out.
  let deferred: TfRecordError | null = null;
  const fail = (error: TfRecordError): void => {
    if (skip) {
      options.onBadRecord?.(error);
      if (!error.recoverable) stopped = true;
      return;
    }
    deferred = error;
    stopped = true;
  };

  const at = () => ({ file, index: count, offset: fileOffset });

  const consume = (n: number) => {
    start += n;
    fileOffset += n;
    pendingLength = -1;
    count++;
  };

  return {
    push(chunk) {
      if (deferred) throw deferred;
      const records: TfRecord[] = [];
      if (stopped || chunk.length === 0) return records;
      append(chunk);
      for (;;) {
        if (pendingLength < 0) {
          if (end - start < 12) break;
          const view = new DataView(buf.buffer, buf.byteOffset + start, 12);
          const lo = view.getUint32(0, true);
          const hi = view.getUint32(4, true);
          const crc = view.getUint32(8, true);
          const want = maskedCrc32c(buf, start, start + 8);
          if (crc !== want) {
            fail(
              new TfRecordError(
                at(),
                'bad-length-crc',
                `the length field's CRC is wrong (stored 0x${crc.toString(16)}, computed 0x${want.toString(16)}), so the record's size is unknown`,
              ),
            );
            stopped = true;
            if (deferred && records.length === 0) throw deferred;
            return records;
          }
          const length = hi * 2 ** 32 + lo;
          if (length > MAX_RECORD_BYTES) {
            fail(
              new TfRecordError(
                at(),
                'too-large',
                `the record holds ${length} bytes, more than this reader takes (${MAX_RECORD_BYTES})`,
                'split the dataset into smaller records',
              ),
            );
            stopped = true;
            if (deferred && records.length === 0) throw deferred;
            return records;
          }
          pendingLength = length;
        }
        const total = pendingLength + TFRECORD_OVERHEAD;
        if (end - start < total) break;
        const dataStart = start + 12;
        const dataEnd = dataStart + pendingLength;
        const stored = new DataView(buf.buffer, buf.byteOffset + dataEnd, 4).getUint32(0, true);
        if (verifyData) {
          const want = maskedCrc32c(buf, dataStart, dataEnd);
          if (stored !== want) {
            const error = new TfRecordError(
              at(),
              'bad-data-crc',
              `the data CRC is wrong (stored 0x${stored.toString(16)}, computed 0x${want.toString(16)} over ${pendingLength} bytes): the record's bytes are damaged`,
            );
            consume(total);
            fail(error);
            if (deferred) {
              if (records.length === 0) throw deferred;
              return records;
            }
            continue;
          }
        }
        records.push({
          data: buf.slice(dataStart, dataEnd),
          index: count,
          offset: fileOffset,
          file,
        });
        consume(total);
      }
      return records;
    },
    end() {
      if (deferred) throw deferred;
      if (stopped) return;
      const have = end - start;
      if (have === 0) return;
      const what =
        pendingLength < 0
          ? `the file ends ${have} byte(s) into the record's 12-byte header`
          : `the file ends ${have} byte(s) into a record of ${pendingLength + TFRECORD_OVERHEAD} bytes (${pendingLength} of data)`;
      stopped = true;
      fail(new TfRecordError(at(), 'truncated', what));
      if (deferred) throw deferred;
    },
    get count() {
      return count;
    },
    get offset() {
      return fileOffset;
    },
    get stopped() {
      return stopped;
    },
  };
}

/**
 * Reads the records of a TFRecord file held in memory (a small file, or one fetched whole).
 *
 * @param bytes - The whole file.
 * @param options - File name for messages, and what to do with bad records.
 * @returns The records, in order.
 * @throws {@link TfRecordError} on a bad or truncated record (unless skipped).
 *
 * @example
 * ```ts doctest
 * import { decodeTfRecords, encodeTfRecord, TfRecordError } from '@patchfx/data/tfrecord';
 * const file = encodeTfRecord(new TextEncoder().encode('hello'));
 * new TextDecoder().decode([...decodeTfRecords(file)][0].data); // => 'hello'
 * file[14] ^= 1; // damage the data
 * let problem = '';
 * try {
 *   [...decodeTfRecords(file, { file: 'x.tfrecord' })];
 * } catch (e) {
 *   problem = (e as TfRecordError).problem;
 * }
 * problem; // => 'bad-data-crc'
 * ```
 */
export function* decodeTfRecords(
  bytes: Uint8Array,
  options: TfRecordReadOptions = {},
): Generator<TfRecord> {
  const parser = createTfRecordParser(options);
  // In slices, so that records are copied out as they are reached, not all at once.
  const slice = 1 << 20;
  for (let i = 0; i < bytes.length && !parser.stopped; i += slice) {
    yield* parser.push(bytes.subarray(i, i + slice));
  }
  parser.end();
}

/**
 * Reads the records of a TFRecord stream chunk by chunk: a Node `fs.createReadStream`, a `fetch`
 * response's `body`, any async iterable of byte chunks. One record and one chunk are held at a
 * time.
 *
 * @param chunks - The file's bytes, in order.
 * @param options - File name for messages, and what to do with bad records.
 * @returns The records, in order.
 * @throws {@link TfRecordError} on a bad or truncated record (unless skipped).
 *
 * @example
 * ```ts
 * import { streamTfRecords } from '@patchfx/data/tfrecord';
 * const response = await fetch('data/faces.tfrecord');
 * for await (const record of streamTfRecords(response.body!, { file: response.url })) {
 *   console.log(record.index, record.data.length);
 * }
 * ```
 */
export async function* streamTfRecords(
  chunks: AsyncIterable<Uint8Array>,
  options: TfRecordReadOptions = {},
): AsyncGenerator<TfRecord> {
  const parser = createTfRecordParser(options);
  for await (const chunk of chunks) {
    yield* parser.push(chunk);
    if (parser.stopped) break;
  }
  parser.end(); // throws a held error, or the truncation of a file cut short
}
