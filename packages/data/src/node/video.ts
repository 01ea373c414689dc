/**
 * Video frames through FFmpeg: `ffprobe` says the size, `ffmpeg` decodes to raw RGB on a pipe
 * (the route of the reference's sk-video). The system's programs are used, found on `PATH`;
 * nothing is downloaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import type { RgbImage } from '../image.js';

/** How to install FFmpeg, for the error a missing `ffmpeg` or `ffprobe` gives. */
export const FFMPEG_INSTALL_HINT =
  'install FFmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) ' +
  'or give the programs with the ffmpeg / ffprobe options';

/** What {@link probeVideo} reads from a video's first video stream. */
export interface VideoInfo {
  /** Frame width in pixels, as decoded (after the stream's rotation). */
  readonly width: number;
  /** Frame height in pixels, as decoded (after the stream's rotation). */
  readonly height: number;
  /** Frames as the container states them (`nb_frames`); null when it does not say. */
  readonly frameCount: number | null;
  /** Average frame rate in frames per second; null when unknown. */
  readonly fps: number | null;
  /** The codec's short name, e.g. `h264`. */
  readonly codec: string;
}

/** Options of {@link probeVideo} and {@link readVideoFrames}. */
export interface VideoReadOptions {
  /**
   * The `ffmpeg` program: a name looked up on `PATH` or a path.
   * @defaultValue 'ffmpeg'
   */
  readonly ffmpeg?: string;
  /**
   * The `ffprobe` program: a name looked up on `PATH` or a path.
   * @defaultValue 'ffprobe'
   */
  readonly ffprobe?: string;
  /** Stops the reading (the iterator throws the signal's reason, and `ffmpeg` is ended). */
  readonly signal?: AbortSignal;
}

/** One decoded frame. */
export interface VideoFrame {
  /** Position in the stream, from 0. */
  readonly index: number;
  /** The frame; a new buffer owned by the caller. */
  readonly image: RgbImage;
}

function checkFile(path: string): void {
  if (!existsSync(path)) throw new Error(`video file not found: '${path}'`);
  if (!statSync(path).isFile()) throw new Error(`'${path}' is not a video file (a folder?)`);
}

function spawnError(program: string, e: NodeJS.ErrnoException): Error {
  if (e.code === 'ENOENT') return new Error(`'${program}' was not found: ${FFMPEG_INSTALL_HINT}`);
  return new Error(`could not start '${program}': ${e.message}`);
}

/** The last few lines ffmpeg wrote to stderr, one line. */
function lastLines(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-3).join(' / ') || 'no message';
}

/** Runs a program to its end, collecting stdout and stderr. */
function run(
  program: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (e) => reject(spawnError(program, e)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function rational(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const [a, b] = text.split('/').map(Number);
  const v = b === undefined ? a : a / b;
  return Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * Reads the size, frame count, frame rate and codec of a video's first video stream with
 * `ffprobe -show_streams -of json`.
 *
 * @param path - The video file.
 * @param options - The `ffprobe` program (see {@link VideoReadOptions}).
 * @returns What the stream says.
 * @throws When the file is missing, when FFmpeg is not installed (the message says how to
 *   install it), or when the file is not a video FFmpeg can read (the message names the file).
 *
 * @example
 * ```ts
 * import { probeVideo } from '@patchfx/data/node';
 * const { width, height, frameCount } = await probeVideo('videos/000.mp4');
 * ```
 */
export async function probeVideo(path: string, options: VideoReadOptions = {}): Promise<VideoInfo> {
  checkFile(path);
  const program = options.ffprobe ?? 'ffprobe';
  const r = await run(program, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_streams',
    '-of',
    'json',
    path,
  ]);
  if (r.code !== 0) throw new Error(`cannot read video '${path}': ${lastLines(r.stderr)}`);
  let stream: Record<string, unknown> | undefined;
  try {
    stream = (JSON.parse(r.stdout) as { streams?: Record<string, unknown>[] }).streams?.[0];
  } catch {
    throw new Error(`cannot read video '${path}': ffprobe gave no JSON`);
  }
  const width = Number(stream?.width);
  const height = Number(stream?.height);
  if (!stream || !(width > 0 && height > 0))
    throw new Error(`cannot read video '${path}': it has no video stream`);
  // a rotated stream (phones) is decoded upright: ffmpeg turns it by default
  const tags = (stream.tags ?? {}) as Record<string, unknown>;
  const side = (stream.side_data_list ?? []) as Record<string, unknown>[];
  const rotation = Number(side.find((s) => s.rotation !== undefined)?.rotation ?? tags.rotate ?? 0);
  const turned = Math.abs(rotation) % 180 === 90;
  const frames = Number(stream.nb_frames);
  return {
    width: turned ? height : width,
    height: turned ? width : height,
    frameCount: Number.isInteger(frames) && frames > 0 ? frames : null,
    fps: rational(stream.avg_frame_rate) ?? rational(stream.r_frame_rate),
    codec: String(stream.codec_name ?? 'unknown'),
  };
}

/** Ends a child and waits until it has exited (no zombie left behind). */
async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGKILL');
  await closed;
}

/**
 * Decodes a video frame by frame: `ffmpeg` runs as a child process writing raw RGB (`rgb24`)
 * frames to a pipe, every decoded frame once (`-vsync passthrough`, as sk-video's reader sees
 * them), at the size {@link probeVideo} reports. Frames are read as the consumer asks for
 * them; the pipe's back-pressure keeps ffmpeg a frame or two ahead, so a long video never sits
 * in memory. Stopping early (`break` in a `for await`, `return()`, an aborted `signal`) ends
 * ffmpeg and waits for it to exit. ffmpeg runs in its own process group, so a Ctrl-C at the
 * terminal reaches the program, which decides when to stop reading.
 *
 * @param path - The video file (any container and codec the installed FFmpeg reads).
 * @param options - Programs and an abort signal (see {@link VideoReadOptions}).
 * @returns An async iterator of `{ index, image }`, from frame 0.
 * @throws When the file is missing or unreadable (the message names it), when FFmpeg is not
 *   installed (the message says how to install it), when ffmpeg fails while decoding, or with
 *   the signal's reason when aborted.
 *
 * @example
 * ```ts
 * import { readVideoFrames } from '@patchfx/data/node';
 * for await (const { index, image } of readVideoFrames('videos/000.mp4')) {
 *   if (index === 10) break; // ffmpeg is ended here
 *   console.log(index, image.width, image.height);
 * }
 * ```
 */
export async function* readVideoFrames(
  path: string,
  options: VideoReadOptions = {},
): AsyncGenerator<VideoFrame, void, undefined> {
  const info = await probeVideo(path, options);
  options.signal?.throwIfAborted();
  const program = options.ffmpeg ?? 'ffmpeg';
  const frameBytes = info.width * info.height * 3;
  const child = spawn(
    program,
    [
      '-nostdin',
      '-v',
      'error',
      '-i',
      path,
      '-map',
      '0:v:0',
      '-vsync',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const state: { failed: Error | null } = { failed: null };
  const started = new Promise<void>((resolve) => {
    child.once('spawn', () => resolve());
    child.once('error', (e) => {
      state.failed = spawnError(program, e);
      resolve();
    });
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const onAbort = () => child.kill('SIGKILL');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await started;
    if (state.failed) throw state.failed;
    let frame = new Uint8Array(frameBytes);
    let filled = 0;
    let index = 0;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - at);
        frame.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === frameBytes) {
          options.signal?.throwIfAborted();
          yield { index: index++, image: { data: frame, width: info.width, height: info.height } };
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const code = await closed;
    options.signal?.throwIfAborted();
    if (state.failed) throw state.failed;
    if (code !== 0) {
      throw new Error(
        `ffmpeg could not decode '${path}' (exit ${code ?? child.signalCode}): ${lastLines(stderr)}`,
      );
    }
    if (filled !== 0) {
      throw new Error(
        `ffmpeg's output of '${path}' ends inside a frame (${filled} of ${frameBytes} bytes): ${lastLines(stderr)}`,
      );
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!state.failed) await end(child);
  }
}

/** Options of {@link writeVideo}. */
export interface VideoWriteOptions {
  /**
   * Frames per second.
   * @defaultValue 25
   */
  readonly fps?: number;
  /**
   * H.264 quality: 0 is lossless (`libx264rgb -qp 0`, RGB kept exactly); 23 is FaceForensics++'s
   * `c23` (`libx264 -crf 23`, YUV 4:2:0, even sizes only).
   * @defaultValue 0
   */
  readonly crf?: number;
  /**
   * The `ffmpeg` program: a name looked up on `PATH` or a path.
   * @defaultValue 'ffmpeg'
   */
  readonly ffmpeg?: string;
}

/**
 * Encodes frames into an H.264 video (`.mp4`, `.mkv`, … by the file's extension) with `ffmpeg`,
 * fed raw RGB on a pipe: test videos and `--smoke` runs. All frames must have the first one's
 * size.
 *
 * @param path - The video file to write (replaced when it exists).
 * @param frames - The frames, in order.
 * @param options - See {@link VideoWriteOptions}.
 * @throws When there are no frames, sizes differ, FFmpeg is not installed (the message says how
 *   to install it) or ffmpeg fails (its message, naming `path`).
 *
 * @example
 * ```ts
 * import { createImage } from '@patchfx/data';
 * import { writeVideo } from '@patchfx/data/node';
 * const grey = createImage(64, 48, new Uint8Array(64 * 48 * 3).fill(128));
 * await writeVideo('grey.mp4', [grey, grey, grey], { fps: 10 });
 * ```
 */
export async function writeVideo(
  path: string,
  frames: Iterable<RgbImage>,
  options: VideoWriteOptions = {},
): Promise<void> {
  const list = [...frames];
  if (list.length === 0) throw new Error(`writeVideo '${path}': no frames`);
  const { width, height } = list[0];
  const bad = list.findIndex((f) => f.width !== width || f.height !== height);
  if (bad >= 0) {
    throw new Error(
      `writeVideo '${path}': frame ${bad} is ${list[bad].width}×${list[bad].height}, frame 0 is ${width}×${height}`,
    );
  }
  const crf = options.crf ?? 0;
  const program = options.ffmpeg ?? 'ffmpeg';
  const codec =
    crf === 0
      ? ['-c:v', 'libx264rgb', '-qp', '0', '-preset', 'ultrafast']
      : ['-c:v', 'libx264', '-crf', String(crf), '-pix_fmt', 'yuv420p'];
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(
      program,
      [
        '-nostdin',
        '-y',
        '-v',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        `${width}x${height}`,
        '-r',
        String(options.fps ?? 25),
        '-i',
        'pipe:0',
        ...codec,
        path,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (e) => reject(spawnError(program, e)));
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => {}); // ffmpeg failed early: its exit code says why
    for (const f of list) child.stdin.write(f.data);
    child.stdin.end();
  });
  if (r.code !== 0) throw new Error(`ffmpeg could not write '${path}': ${lastLines(r.stderr)}`);
}

/**
 * Checks that `ffmpeg` and `ffprobe` run, before a long job starts.
 *
 * @param options - The programs (see {@link VideoReadOptions}).
 * @returns ffmpeg's version line, e.g. `ffmpeg version 5.1.6-0+deb12u1 …`.
 * @throws When either program is missing (the message says how to install FFmpeg) or fails.
 */
export async function checkFfmpeg(options: VideoReadOptions = {}): Promise<string> {
  let version = '';
  for (const program of [options.ffmpeg ?? 'ffmpeg', options.ffprobe ?? 'ffprobe']) {
    const r = await run(program, ['-version']);
    if (r.code !== 0) throw new Error(`'${program} -version' failed: ${lastLines(r.stderr)}`);
    version ||= r.stdout.split('\n')[0];
  }
  return version;
}
