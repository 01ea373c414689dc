import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pixelImage } from '../internal/validate.js';
import {
  loadTensorBoardEncoder,
  TENSORBOARD_FILE_VERSION,
  tensorBoardFileName,
  type TensorBoardEvent,
} from '../tensorboard/event.js';
import type { PixelImageInput } from '../types.js';
import { encodePng } from './png.js';

/** Options of {@link createTensorBoardWriter}. */
export interface TensorBoardWriterOptions {
  /**
   * A resumed run restarts at this step: a `SessionLog` START event at it follows the file
   * version, so TensorBoard's Python loader drops what an earlier file logged at steps ≥ it (the
   * default loader keeps, per tag, only the values written last from a repeated step on).
   * @defaultValue none (a fresh run)
   */
  readonly resumeStep?: number;
  /**
   * The clock, in milliseconds since 1970 (wall times and the file name).
   * @defaultValue `Date.now`
   */
  readonly now?: () => number;
}

/** A TensorBoard event file being written; from {@link createTensorBoardWriter}. */
export interface TensorBoardWriter {
  /** The event file's absolute path. */
  readonly path: string;
  /**
   * Logs a scalar (`Summary.Value.simple_value`, a float32) at `step`.
   * @throws If the tag is empty, the step is not an integer ≥ 0, or the writer is closed.
   */
  scalar(tag: string, value: number, step: number): void;
  /**
   * Logs an image (`Summary.Image`, PNG-encoded with `encodePng`) at `step`. Gray, RGB or RGBA.
   * @throws If the image is malformed, the tag is empty, the step is invalid, or the writer is closed.
   */
  image(tag: string, image: PixelImageInput, step: number): void;
  /** Asks the operating system to put what was written on the disk (`fsync`). */
  flush(): void;
  /** Closes the file; later calls throw. Closing twice is harmless. */
  close(): void;
}

/**
 * Opens (asynchronously: it loads the event encoder, see `loadTensorBoardEncoder`) a new
 * TensorBoard event file in `logDir` (created if missing), named as tensorboardX
 * names it, `events.out.tfevents.<unix seconds>.<hostname>` (with `.1`, `.2`… appended should
 * that name be taken), and writes its first event, `file_version: "brain.Event:2"`.
 *
 * Every call appends its event to the file at once (a synchronous write; no buffer), so an
 * interrupted or killed program leaves every event it logged readable; `flush()` only adds an
 * `fsync` against a machine crash. Point TensorBoard at the parent folder:
 * `tensorboard --logdir <parent>`.
 *
 * @param logDir - The run's folder (e.g. `runs/<name>`).
 * @param options - See {@link TensorBoardWriterOptions}.
 * @returns The writer, whose methods are synchronous. Close it when done (it holds a file descriptor).
 * @throws If the folder cannot be created or the file cannot be opened.
 *
 * @example
 * ```ts doctest
 * import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { createTensorBoardWriter } from '@patchfx/viz/node';
 * const dir = mkdtempSync(join(tmpdir(), 'tb-'));
 * const tb = await createTensorBoardWriter(join(dir, 'run1'));
 * tb.scalar('loss/D', 0.69, 1);
 * tb.close();
 * readdirSync(join(dir, 'run1'))[0].startsWith('events.out.tfevents.'); // => true
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function createTensorBoardWriter(
  logDir: string,
  options: TensorBoardWriterOptions = {},
): Promise<TensorBoardWriter> {
  const encode = await loadTensorBoardEncoder();
  const now = options.now ?? Date.now;
  const dir = resolve(logDir);
  mkdirSync(dir, { recursive: true });
  const base = tensorBoardFileName(now() / 1000, hostname());
  let fd = -1;
  let path = '';
  for (let k = 0; fd < 0; k++) {
    path = join(dir, k ? `${base}.${k}` : base);
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || k > 1000) throw e;
    }
  }
  let open = true;
  const append = (event: TensorBoardEvent) => {
    if (!open) throw new Error(`the TensorBoard writer of ${path} is closed`);
    const bytes = encode(event);
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
  };
  const wallTime = () => now() / 1000;
  try {
    append({ wallTime: wallTime(), fileVersion: TENSORBOARD_FILE_VERSION });
    if (options.resumeStep !== undefined) {
      append({ wallTime: wallTime(), step: options.resumeStep, sessionStart: true });
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return {
    path,
    scalar(tag, value, step) {
      append({ wallTime: wallTime(), step, scalars: [{ tag, value }] });
    },
    image(tag, input, step) {
      const image = pixelImage(input);
      append({
        wallTime: wallTime(),
        step,
        images: [
          {
            tag,
            png: encodePng(image),
            width: image.width,
            height: image.height,
            colorspace: image.channels,
          },
        ],
      });
    },
    flush() {
      if (open) fsyncSync(fd);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
