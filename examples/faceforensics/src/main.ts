/**
 * faceforensics: aligned frame pairs of FaceForensics++ videos, as the reference's
 * `faceforensics_process_frames.py` (spec §8).
 *
 *   npm run faceforensics -- --raw <FF++ root> --manipulation Deepfakes --compression c23 \
 *     --splits <dir of train.json val.json test.json> --outdir <dir>
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { crc32, createRng, encodePng } from '@patchfx/data';
import { checkFfmpeg, writeFileAtomic } from '@patchfx/data/node';
import type { FaceLandmarks } from '@patchfx/segment';
import { alignVideoPair } from '@patchfx/segment/node';
import { encodeNpy } from '@patchfx/viz';
import {
  BACKEND_OPTION,
  FACE_OPTIONS,
  landmarkerFromOptions,
  onInterrupt,
  parseOptions,
  progressBar,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  withSmoke,
  type OptionSpecs,
} from '@patchfx/example-common';
import { writeFixture } from './fixture.js';

/** The manipulation methods of FaceForensics++ (`manipulated_sequences/<name>`). */
const MANIPULATIONS = ['Deepfakes', 'Face2Face', 'FaceSwap', 'NeuralTextures', 'FaceShifter'];
const SPLITS = ['train', 'val', 'test'] as const;
type Split = (typeof SPLITS)[number];

const OPTIONS: OptionSpecs = {
  raw: {
    type: 'string',
    default: null,
    help: 'FaceForensics++ root, holding original_sequences/ and manipulated_sequences/ (required)',
  },
  manipulation: {
    type: 'string',
    default: null,
    choices: MANIPULATIONS,
    help: 'manipulation method (required)',
  },
  compression: {
    type: 'string',
    default: 'c23',
    choices: ['raw', 'c23', 'c40'],
    help: "video quality folder (the paper uses c23; 'raw' is c0)",
  },
  splits: {
    type: 'string',
    default: null,
    help: "folder of FaceForensics++'s train.json, val.json, test.json (required)",
  },
  outdir: {
    type: 'string',
    default: null,
    help: 'output folder: original/, manipulated/, detections/ with one folder per split (required)',
  },
  partitions: {
    type: 'list',
    default: ['train', 'val', 'test'],
    help: 'splits to process, comma-separated',
  },
  outsize: { type: 'number', default: 128, help: 'side of the aligned square frames, in pixels' },
  max_frames_eval: {
    type: 'number',
    default: 100,
    help: 'val and test keep the first N aligned frames per video (train keeps all)',
  },
  seed: {
    type: 'number',
    default: 0,
    help: 'seed of the per-frame choice of the video the face is found on',
  },
  save_mesh: {
    type: 'boolean',
    default: false,
    help: "also store the 468 FaceMesh points in each .npz (key 'mesh')",
  },
  ...FACE_OPTIONS,
  quiet: { type: 'boolean', default: false, help: 'no progress bar' },
  backend: BACKEND_OPTION,
  smoke: SMOKE_OPTION,
};

const USAGE =
  '--raw <FaceForensics++ root> --manipulation Deepfakes|Face2Face|FaceSwap|NeuralTextures --compression c23 --splits <dir> --outdir <dir>';

/** The options a finished video depends on: an output folder is made with one set of them. */
const OUTPUT_KEYS = ['manipulation', 'compression', 'outsize', 'max_frames_eval', 'seed'] as const;

interface Job {
  readonly split: Split;
  /** `<target>_<source>`. */
  readonly name: string;
  readonly original: string;
  readonly manipulated: string;
}

/** What one video gave; stored as its done marker. */
interface VideoRecord {
  name: string;
  /** Frame pairs read. */
  frames: number;
  /** Indices of the frames saved. */
  saved: number[];
  /** Frame pairs without a face. */
  noFace: number;
}

interface SplitSummary {
  videos: number;
  done: number;
  resumed: number;
  saved: number;
  noFace: number;
  missing: string[];
  failed: { name: string; reason: string }[];
}

function readSplit(path: string): [string, string][] {
  if (!existsSync(path)) {
    throw new Error(
      `split file not found: '${path}' (--splits must hold FaceForensics++'s train.json, val.json and test.json)`,
    );
  }
  let pairs: unknown;
  try {
    pairs = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`'${path}' is not JSON: ${(e as Error).message}`);
  }
  const ok =
    Array.isArray(pairs) &&
    pairs.every(
      (p) =>
        Array.isArray(p) &&
        p.length === 2 &&
        p.every((s) => typeof s === 'string' && /^[\w-]+$/.test(s)),
    );
  if (!ok) {
    throw new Error(
      `'${path}' must be a JSON list of [target, source] pairs of video names, e.g. [["071", "054"], ["054", "071"]]`,
    );
  }
  return pairs as [string, string][];
}

function requireFolder(path: string, what: string): void {
  if (!existsSync(path) || !statSync(path).isDirectory())
    throw new Error(`${what} not found: '${path}'`);
}

/** The `.npz` of a frame: `lm`, the five alignment points [5, 2] float64, as the reference's. */
function npz(face: FaceLandmarks, withMesh: boolean): Uint8Array {
  const p = face.points;
  const five = [p.leftEye, p.rightEye, p.nose, p.mouthLeft, p.mouthRight];
  const files: Record<string, Uint8Array> = {
    'lm.npy': encodeNpy({ data: Float64Array.from(five.flat()), shape: [5, 2] }),
  };
  if (withMesh) {
    files['mesh.npy'] = encodeNpy({
      data: Float32Array.from(face.mesh.flat()),
      shape: [face.mesh.length, 2],
    });
  }
  return zipSync(files, { level: 0 }); // np.savez stores, uncompressed
}

async function main(argv: readonly string[]): Promise<number | void> {
  const { values: opt } = parseOptions(OPTIONS, argv, 'faceforensics', USAGE);
  for (const k of ['raw', 'manipulation', 'splits', 'outdir']) {
    if (opt[k] === null)
      throw new Error(`--${k} is required; usage: npm run faceforensics -- ${USAGE}`);
  }
  const size = Number(opt.outsize);
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`--outsize must be a positive integer, got ${opt.outsize}`);
  const cap = Number(opt.max_frames_eval);
  if (!Number.isInteger(cap) || cap < 1)
    throw new Error(`--max_frames_eval must be a positive integer, got ${opt.max_frames_eval}`);
  const partitions = opt.partitions as string[];
  for (const p of partitions) {
    if (!(SPLITS as readonly string[]).includes(p))
      throw new Error(`--partitions: '${p}' is not one of ${SPLITS.join(', ')}`);
  }
  const raw = resolve(String(opt.raw));
  const manipulation = String(opt.manipulation);
  const compression = String(opt.compression);
  requireFolder(raw, 'FaceForensics++ root (--raw)');
  const origDir = join(raw, 'original_sequences', 'youtube', compression, 'videos');
  const manDir = join(raw, 'manipulated_sequences', manipulation, compression, 'videos');
  requireFolder(origDir, `the original ${compression} videos' folder`);
  requireFolder(manDir, `the ${manipulation} ${compression} videos' folder`);
  const jobs: Job[] = [];
  for (const split of SPLITS.filter((s) => partitions.includes(s))) {
    for (const [t, s] of readSplit(join(resolve(String(opt.splits)), `${split}.json`))) {
      // as the reference: the video <t>_<s> (target t's face replaced from source s) and t's
      // original; FaceForensics++ also has <s>_<t>, which the reference does not use
      jobs.push({
        split,
        name: `${t}_${s}`,
        original: join(origDir, `${t}.mp4`),
        manipulated: join(manDir, `${t}_${s}.mp4`),
      });
    }
  }
  const outdir = resolve(String(opt.outdir));
  // one output folder, one set of options: a resumed run must make the same frames
  const settingsPath = join(outdir, '.faceforensics', 'options.json');
  const settings = Object.fromEntries(OUTPUT_KEYS.map((k) => [k, opt[k]]));
  if (existsSync(settingsPath)) {
    const before = JSON.parse(readFileSync(settingsPath, 'utf8')) as Record<string, unknown>;
    const changed = OUTPUT_KEYS.filter((k) => before[k] !== settings[k]);
    if (changed.length) {
      throw new Error(
        `'${outdir}' was made with ${changed.map((k) => `--${k} ${String(before[k])}`).join(', ')}; ` +
          `use another --outdir for ${changed.map((k) => `--${k} ${String(settings[k])}`).join(', ')}`,
      );
    }
  }
  say(`ffmpeg: ${await checkFfmpeg()}`);
  writeFileAtomic(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
  await setupBackend(String(opt.backend));
  const landmarker = await landmarkerFromOptions(opt);
  const summary = new Map<Split, SplitSummary>(
    SPLITS.filter((s) => partitions.includes(s)).map((s) => [
      s,
      { videos: 0, done: 0, resumed: 0, saved: 0, noFace: 0, missing: [], failed: [] },
    ]),
  );
  for (const j of jobs) summary.get(j.split)!.videos++;
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const resumeCommand = `npm run faceforensics -- ${argv.map(quote).join(' ')}`;
  const interrupt = onInterrupt(
    (s) =>
      `${s}: stopping after this frame; finished videos are kept, the current one is redone when you run the same command again`,
  );
  const bar = progressBar(
    Boolean(opt.quiet) || !process.stderr.isTTY,
    '{label} [{bar}] {value}/{total} videos | {ips} frame pairs/s',
  );
  const t0 = performance.now();
  let framesRead = 0;
  try {
    bar.start(jobs.length, 'videos');
    for (const [k, job] of jobs.entries()) {
      const s = summary.get(job.split)!;
      const out = (kind: string, index: number, ext: string) =>
        join(outdir, kind, job.split, `${job.name}_${String(index).padStart(3, '0')}.${ext}`);
      const marker = join(outdir, '.faceforensics', job.split, `${job.name}.json`);
      const absent = [job.original, job.manipulated].filter((p) => !existsSync(p));
      if (absent.length) {
        say(`warning: video not found: ${absent.join(', ')} (${job.split} pair ${job.name})`);
        s.missing.push(job.name);
        continue;
      }
      // resume: a video is finished when its marker lists frames that are all there
      if (existsSync(marker)) {
        const record = JSON.parse(readFileSync(marker, 'utf8')) as VideoRecord;
        const complete = record.saved.every((i) =>
          [
            out('original', i, 'png'),
            out('manipulated', i, 'png'),
            out('detections', i, 'npz'),
          ].every(existsSync),
        );
        if (complete) {
          s.done++;
          s.resumed++;
          s.saved += record.saved.length;
          s.noFace += record.noFace;
          bar.update(k + 1, {});
          continue;
        }
      }
      const rng = createRng([Number(opt.seed), crc32(new TextEncoder().encode(job.name))]);
      const record: VideoRecord = { name: job.name, frames: 0, saved: [], noFace: 0 };
      const limit = job.split === 'train' ? Infinity : cap;
      try {
        for await (const pair of alignVideoPair(job.original, job.manipulated, {
          landmarker,
          size,
          random: () => rng.random(),
          signal: interrupt.signal,
          onWarning: (m) => say(`warning: ${m}`),
        })) {
          record.frames = pair.index + 1;
          framesRead++;
          bar.update(k, {
            label: `${job.split} ${job.name}`,
            ips: (framesRead / ((performance.now() - t0) / 1000)).toFixed(1),
          });
          if (pair.status === 'no-face') {
            record.noFace++;
            continue;
          }
          const i = pair.index;
          writeFileAtomic(out('original', i, 'png'), encodePng({ ...pair.original, channels: 3 }));
          writeFileAtomic(
            out('manipulated', i, 'png'),
            encodePng({ ...pair.manipulated, channels: 3 }),
          );
          writeFileAtomic(out('detections', i, 'npz'), npz(pair.face, Boolean(opt.save_mesh)));
          record.saved.push(i);
          if (record.saved.length >= limit) break;
        }
      } catch (e) {
        if (interrupt.signal.aborted) break;
        const reason = (e as Error).message;
        if (/was not found: install FFmpeg/.test(reason)) throw e;
        say(`error: ${job.split} pair ${job.name}: ${reason}`);
        s.failed.push({ name: job.name, reason });
        continue;
      }
      say(
        `${job.split} ${job.name}: ${record.saved.length} of ${record.frames} frame pair(s) saved` +
          (record.noFace ? `, ${record.noFace} without a face (skipped)` : ''),
      );
      writeFileAtomic(marker, `${JSON.stringify(record)}\n`);
      s.done++;
      s.saved += record.saved.length;
      s.noFace += record.noFace;
      bar.update(k + 1, {});
    }
  } finally {
    bar.stop();
    landmarker.dispose();
    interrupt.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const [split, s] of summary) {
    say(
      `${split}: ${s.done} of ${s.videos} video(s) done (${s.resumed} finished before), ${s.saved} frame pair(s) saved, ` +
        `${s.noFace} frame(s) without a face, ${s.missing.length} missing video(s), ${s.failed.length} failed`,
    );
  }
  say(
    `${framesRead} frame pair(s) read in ${seconds.toFixed(1)} s → ${outdir}/{original,manipulated,detections}/<split>/`,
  );
  if (interrupt.received) {
    say(`interrupted: run the same command to go on: ${resumeCommand}`);
    return interrupt.exitCode;
  }
  const failed = [...summary.values()].flatMap((s) => s.failed);
  if (failed.length) {
    say(`${failed.length} video(s) could not be read (run again to retry them):`);
    for (const f of failed) say(`  ${f.name}: ${f.reason}`);
    return 1;
  }
  return 0;
}

runMain(
  withSmoke('faceforensics', main, {
    needs: 'folder',
    args: async (ws) => {
      const f = await writeFixture(join(ws.root, 'ff'), {
        manipulation: 'Deepfakes',
        compression: 'c23',
        splits: {
          train: [{ target: '001', source: '002', frames: 1 }],
          val: [],
          test: [],
        },
      });
      return [
        '--raw',
        f.raw,
        '--splits',
        f.splits,
        '--manipulation',
        'Deepfakes',
        '--outdir',
        join(ws.root, 'aligned'),
      ];
    },
  }),
);
