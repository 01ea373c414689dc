import type * as protobuf from 'protobufjs/light.js';
import { loadEventType, SESSION_LOG_START } from './schema.js';

/** The `file_version` of the first event of every file TensorBoard reads today. */
export const TENSORBOARD_FILE_VERSION = 'brain.Event:2';

/** A scalar of a {@link TensorBoardEvent}: `Summary.Value.simple_value` (a float32). */
export interface TensorBoardScalar {
  /** Name of the curve; `/` groups curves into sections (`loss/D`, `acc/D_raw`). */
  readonly tag: string;
  /** The value (stored as a float32, as TensorFlow's `simple_value`). */
  readonly value: number;
}

/** An image of a {@link TensorBoardEvent}: a `Summary.Image`. */
export interface TensorBoardImage {
  /** Name of the image series. */
  readonly tag: string;
  /** The encoded image (PNG). */
  readonly png: Uint8Array;
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /** Channels: 1 (gray), 3 (RGB) or 4 (RGBA). */
  readonly colorspace: 1 | 3 | 4;
}

/**
 * One event of a TensorBoard event file (TensorFlow's `Event` protocol buffer): exactly one of
 * `fileVersion`, a summary (`scalars` and/or `images`) or `sessionStart`.
 */
export interface TensorBoardEvent {
  /** Seconds since 1970 (`Event.wall_time`). */
  readonly wallTime: number;
  /** The step the values belong to (`Event.step`). @defaultValue 0 */
  readonly step?: number;
  /** The file's first event: {@link TENSORBOARD_FILE_VERSION}. */
  readonly fileVersion?: string;
  /** Scalars logged at `step`. */
  readonly scalars?: readonly TensorBoardScalar[];
  /** Images logged at `step`. */
  readonly images?: readonly TensorBoardImage[];
  /**
   * A `SessionLog` START: a run that restarts at `step` (a resumed training). TensorBoard's
   * Python loader drops the values logged earlier at steps ≥ `step`.
   */
  readonly sessionStart?: boolean;
}

function assertTag(tag: unknown, what: string): void {
  if (typeof tag !== 'string' || tag === '') {
    throw new Error(`${what} must be a non-empty string, got ${JSON.stringify(tag)}`);
  }
}

/**
 * Encodes one event as a TFRecord: the framing, with its masked CRC-32Cs, of every record of an
 * event file. Append the bytes to `events.out.tfevents.*` and TensorBoard reads them. The file's
 * first event must be `{ wallTime, fileVersion: TENSORBOARD_FILE_VERSION }`. Scalars are written
 * as `Summary.Value.simple_value`, images as `Summary.Image`, as tensorboardX writes them.
 *
 * @param event - The event; see {@link TensorBoardEvent}.
 * @returns The framed record (a new `Uint8Array`).
 * @throws If the event has none or several of its kinds, a tag is empty, the step is not an
 *   integer ≥ 0 or the wall time is not a finite number ≥ 0, or an image's size is invalid.
 */
export type TensorBoardEncoder = (event: TensorBoardEvent) => Uint8Array;

/**
 * Loads the TensorBoard event encoder (a {@link TensorBoardEncoder}). It is asynchronous once:
 * protobufjs, which encodes the `Event` protocol buffer, is imported on the first call only, so
 * a program that writes no event file never loads it. Browser-safe; in Node,
 * `createTensorBoardWriter` of `@patchfx/viz/node` writes the files.
 *
 * @returns The encoder: `(event) => framed record bytes`.
 *
 * @example
 * ```ts doctest
 * import { loadTensorBoardEncoder } from '@patchfx/viz';
 * const encode = await loadTensorBoardEncoder();
 * const record = encode({ wallTime: 1, step: 3, scalars: [{ tag: 'loss/D', value: 0.5 }] });
 * record.length > 16; // => true
 * ```
 */
export async function loadTensorBoardEncoder(): Promise<TensorBoardEncoder> {
  // Both load protobufjs: imported here, so importing @patchfx/viz does not.
  const [type, { encodeTfRecord }] = await Promise.all([
    loadEventType(),
    import('@patchfx/data/tfrecord'),
  ]);
  return (event) => encodeTfRecord(encodeEvent(type, event));
}

/** The serialised `Event` message (not yet framed). */
function encodeEvent(type: protobuf.Type, event: TensorBoardEvent): Uint8Array {
  const { wallTime, step = 0 } = event;
  if (!(typeof wallTime === 'number' && Number.isFinite(wallTime) && wallTime >= 0)) {
    throw new Error(`wallTime must be a finite number of seconds ≥ 0, got ${wallTime}`);
  }
  if (!(Number.isSafeInteger(step) && step >= 0)) {
    throw new Error(`step must be an integer ≥ 0, got ${step}`);
  }
  const scalars = event.scalars ?? [];
  const images = event.images ?? [];
  const hasSummary = scalars.length + images.length > 0;
  const kinds = [event.fileVersion !== undefined, hasSummary, event.sessionStart === true];
  if (kinds.filter(Boolean).length !== 1) {
    throw new Error(
      'a TensorBoard event holds exactly one of fileVersion, scalars/images or sessionStart',
    );
  }
  const message: Record<string, unknown> = { wall_time: wallTime };
  if (step) message.step = step;
  if (event.fileVersion !== undefined) message.file_version = event.fileVersion;
  if (event.sessionStart) message.session_log = { status: SESSION_LOG_START };
  if (hasSummary) {
    const value: Record<string, unknown>[] = [];
    for (const s of scalars) {
      assertTag(s.tag, 'a scalar tag');
      if (typeof s.value !== 'number') {
        throw new Error(`scalar '${s.tag}' must be a number, got ${typeof s.value}`);
      }
      value.push({ tag: s.tag, simple_value: s.value });
    }
    for (const im of images) {
      assertTag(im.tag, 'an image tag');
      for (const [k, v] of [
        ['width', im.width],
        ['height', im.height],
      ] as const) {
        if (!(Number.isInteger(v) && v > 0 && v < 2 ** 31)) {
          throw new Error(`image '${im.tag}': ${k} must be a positive integer, got ${v}`);
        }
      }
      if (![1, 3, 4].includes(im.colorspace)) {
        throw new Error(`image '${im.tag}': colorspace must be 1, 3 or 4, got ${im.colorspace}`);
      }
      if (!(im.png instanceof Uint8Array) || im.png.length === 0) {
        throw new Error(`image '${im.tag}': png must be the encoded image's bytes`);
      }
      value.push({
        tag: im.tag,
        image: {
          height: im.height,
          width: im.width,
          colorspace: im.colorspace,
          encoded_image_string: im.png,
        },
      });
    }
    message.summary = { value };
  }
  return type.encode(type.fromObject(message)).finish();
}

/**
 * The name tensorboardX gives an event file: `events.out.tfevents.<seconds>.<hostname>`, the
 * seconds zero-padded to 10 digits. TensorBoard reads every file whose name contains `tfevents`,
 * in name order.
 *
 * @param seconds - Seconds since 1970 (truncated).
 * @param hostname - The machine's name.
 * @returns The file name.
 *
 * @example
 * ```ts doctest
 * import { tensorBoardFileName } from '@patchfx/viz';
 * tensorBoardFileName(1700000000.7, 'gpu1'); // => 'events.out.tfevents.1700000000.gpu1'
 * ```
 */
export function tensorBoardFileName(seconds: number, hostname: string): string {
  return `events.out.tfevents.${String(Math.trunc(seconds)).padStart(10, '0')}.${hostname}`;
}
