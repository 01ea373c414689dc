/**
 * Node-only part of the synthetic benchmark: writing a ready `real/` + `fake/` tree with its
 * ground truth, and reading the ground truth back. Imports `node:fs`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { FACE_PARTS, type FacePart } from '../parts.js';
import {
  decodePng,
  encodePng,
  GROUND_TRUTH_DIR,
  GROUND_TRUTH_SUFFIXES,
  groundTruthPaths,
  readPngHeader,
  type PngEncodeOptions,
} from '@patchfx/data';
import {
  resolveSyntheticConfig,
  SYNTHETIC_CLASSES,
  synthesizeSample,
  syntheticLegend,
  type SyntheticClass,
  type SyntheticConfig,
} from './sample.js';
import { createGeneratorStage, type GeneratorStage } from './trace.js';

/** Every file the same: Paeth rows, `node:zlib` at level 9 (the benchmark's bytes since 0.1.0). */
const PNG_OPTIONS: PngEncodeOptions = Object.freeze({
  filter: 'paeth',
  level: 9,
  deflate: (raw: Uint8Array, level: number) => deflateSync(raw, { level }),
});

/** Version of `@patchfx/segment` written to `legend.json` (a test keeps it equal to package.json). */
export const SYNTHETIC_PACKAGE_VERSION = '0.1.0';

/** Marker of a synthetic benchmark's `legend.json`. */
export const SYNTHETIC_FORMAT = 'patchfx-synthetic-benchmark';

/** Partitions written by {@link synthesizeDataset}, in the reference's layout (spec §3.1). */
export const SYNTHETIC_SPLITS = Object.freeze(['train', 'val', 'test'] as const);
/** A partition name. */
export type SyntheticSplit = (typeof SYNTHETIC_SPLITS)[number];

/** Image formats {@link synthesizeDataset} writes. */
export const SYNTHETIC_IMAGE_FORMATS = Object.freeze(['png'] as const);
/** An image format of {@link synthesizeDataset}. */
export type SyntheticImageFormat = (typeof SYNTHETIC_IMAGE_FORMATS)[number];

/** Options of {@link synthesizeDataset}: where, how many, and the benchmark config. */
export interface SynthesizeDatasetOptions extends Partial<SyntheticConfig> {
  /** Folder to write (created; a previous synthetic set there is replaced). */
  readonly root: string;
  /** Images per class, split over train/val/test. */
  readonly count: number;
  /** Fractions per partition, summing to 1. @defaultValue { train: 0.6, val: 0.2, test: 0.2 } */
  readonly splits?: Readonly<Record<SyntheticSplit, number>>;
  /** Image file format. @defaultValue 'png' */
  readonly format?: SyntheticImageFormat;
  /** Called after each image pair is written, with (written pairs, total pairs). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Default partition fractions of {@link synthesizeDataset}. */
export const DEFAULT_SYNTHETIC_SPLITS: Readonly<Record<SyntheticSplit, number>> = Object.freeze({
  train: 0.6,
  val: 0.2,
  test: 0.2,
});

/** The contents of a synthetic set's `legend.json`. */
export interface SyntheticLegendFile {
  readonly format: typeof SYNTHETIC_FORMAT;
  readonly formatVersion: 1;
  readonly package: '@patchfx/segment';
  readonly packageVersion: string;
  /** Label id (string key) → part name. */
  readonly labels: Record<string, FacePart>;
  /** Parts that carry the generator's traces in fakes. */
  readonly tracedParts: readonly FacePart[];
  /** The benchmark config the set was generated with. */
  readonly config: SyntheticConfig;
  /** Images per class. */
  readonly count: number;
  /** Partition fractions. */
  readonly splits: Readonly<Record<SyntheticSplit, number>>;
  /** Files per class and partition. */
  readonly files: Readonly<Record<SyntheticClass, Readonly<Record<SyntheticSplit, number>>>>;
  /** How the ground truth is stored. */
  readonly groundTruth: {
    readonly dir: string;
    readonly labels: string;
    readonly trace: string;
  };
  /** The generator stage: description and its exact weights. */
  readonly generator: GeneratorStage & { readonly description: string };
}

/** What {@link synthesizeDataset} returns. */
export interface SyntheticDatasetSummary {
  /** Absolute path of the set. */
  readonly root: string;
  /** The legend written to `root/legend.json`. */
  readonly legend: SyntheticLegendFile;
}

function splitCounts(
  count: number,
  splits: Readonly<Record<SyntheticSplit, number>>,
): Record<SyntheticSplit, number> {
  const keys = Object.keys(splits);
  if (keys.length !== 3 || !SYNTHETIC_SPLITS.every((s) => keys.includes(s))) {
    throw new Error(`splits must have exactly the keys train, val, test; got ${keys.join(', ')}`);
  }
  const sum = splits.train + splits.val + splits.test;
  if (SYNTHETIC_SPLITS.some((s) => !(splits[s] >= 0)) || Math.abs(sum - 1) > 1e-9) {
    throw new Error(`split fractions must be ≥ 0 and sum to 1, got ${JSON.stringify(splits)}`);
  }
  const train = Math.round(count * splits.train);
  const val = Math.min(count - train, Math.round(count * splits.val));
  return { train, val, test: count - train - val };
}

function fileName(kind: SyntheticClass, index: number, count: number): string {
  const width = Math.max(5, String(Math.max(0, count - 1)).length);
  return `${kind}-${String(index).padStart(width, '0')}`;
}

async function isSyntheticSet(root: string): Promise<boolean> {
  try {
    const legend = JSON.parse(await readFile(join(root, 'legend.json'), 'utf8')) as {
      format?: string;
    };
    return legend.format === SYNTHETIC_FORMAT;
  } catch {
    return false;
  }
}

function readme(legend: SyntheticLegendFile): string {
  const f = legend.files;
  const parts = Object.entries(legend.labels)
    .map(([id, name]) => `| ${id} | ${name} |`)
    .join('\n');
  return `# Synthetic patch-forensics benchmark

Generated by \`synthesizeDataset\` of ${legend.package} ${legend.packageVersion}
(seed ${legend.config.seed}, ${legend.config.size}×${legend.config.size} px, ${legend.count} images per class).
It is NOT a set of real faces: every image is a procedural face-like portrait.

- \`real/{train,val,test}/real-NNNNN.png\`: portraits as drawn, with sensor noise
  (${f.real.train} / ${f.real.val} / ${f.real.test} images).
- \`fake/{train,val,test}/fake-NNNNN.png\`: independent portraits of the same kind whose
  **${legend.tracedParts.join(' and ')}** pixels come from a generator-like stage (2× downsample, then a
  stride-2 ${legend.generator.kernelSize}×${legend.generator.kernelSize} transposed convolution whose
  kernels are not normalised per output phase, so it leaves a period-2 checkerboard), then the same
  sensor noise (${f.fake.train} / ${f.fake.val} / ${f.fake.test} images).

## Ground truth

Beside every image, in the hidden folder \`${legend.groundTruth.dir}/\` of its partition:

- \`<name>${GROUND_TRUTH_SUFFIXES.labels}\`: ${legend.groundTruth.labels}
- \`<name>${GROUND_TRUTH_SUFFIXES.trace}\`: ${legend.groundTruth.trace}

Image loaders must skip \`${legend.groundTruth.dir}/\` folders (\`isGroundTruthFile(path)\` of
\`@patchfx/data\` tells them apart); \`readGroundTruth(imagePath)\` reads both back.

| id | part |
|---|---|
${parts}

\`legend.json\` holds this legend, the traced parts, the full config (pass it back to
\`synthesizeDataset\` to regenerate the same bytes) and the generator's exact weights.
`;
}

/**
 * Writes a synthetic patch-forensics benchmark: `root/real/{train,val,test}/*.png` and
 * `root/fake/{train,val,test}/*.png` (`count` images per class, split by `splits`), beside
 * every image its ground truth in the hidden sibling folder `.truth/` (`<name>.labels.png`
 * for every image, `<name>.trace.png` for fakes), plus `root/legend.json` and
 * `root/README.md`.
 *
 * Deterministic: the same options give byte-identical files (every image is a pure function
 * of (seed, class, index); the PNG writer is fixed). The set is built in a temporary sibling
 * folder and moved into place at the end, so a crash never leaves a half-written set; an
 * earlier synthetic set at `root` is replaced, any other non-empty folder is refused.
 *
 * @param options - See {@link SynthesizeDatasetOptions}; the benchmark fields default to
 *   {@link @patchfx/segment!DEFAULT_SYNTHETIC_CONFIG}.
 * @returns The absolute root and the legend written.
 * @throws When an option is invalid, or `root` is a non-empty folder that is not a synthetic set.
 *
 * @example
 * ```ts doctest
 * import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { synthesizeDataset } from '@patchfx/segment/node';
 * const dir = mkdtempSync(join(tmpdir(), 'synthetic-'));
 * await synthesizeDataset({ root: join(dir, 'set'), count: 5, size: 64 });
 * readdirSync(join(dir, 'set', 'fake', 'train')).filter((f) => f.endsWith('.png')).length; // => 3
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function synthesizeDataset(
  options: SynthesizeDatasetOptions,
): Promise<SyntheticDatasetSummary> {
  const { root: rootOption, count, splits: splitsOption, format, onProgress, ...rest } = options;
  if (typeof rootOption !== 'string' || rootOption.length === 0) {
    throw new Error(`root must be a folder path, got ${JSON.stringify(rootOption)}`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`count must be a positive integer (images per class), got ${count}`);
  }
  const fmt = format ?? 'png';
  if (!(SYNTHETIC_IMAGE_FORMATS as readonly string[]).includes(fmt)) {
    throw new Error(`format must be one of 'png', got ${JSON.stringify(fmt)}`);
  }
  const config = resolveSyntheticConfig(rest);
  const splits = { ...(splitsOption ?? DEFAULT_SYNTHETIC_SPLITS) };
  const perSplit = splitCounts(count, splits);
  const root = resolve(rootOption);

  let replace = false;
  if (existsSync(root)) {
    const entries = await readdir(root);
    if (entries.length > 0) {
      if (!(await isSyntheticSet(root))) {
        throw new Error(
          `'${root}' is not empty and holds no synthetic benchmark (no legend.json of format ` +
            `'${SYNTHETIC_FORMAT}'); refusing to write into it`,
        );
      }
      replace = true;
    }
  }

  const stage = createGeneratorStage({
    kernelSize: config.kernelSize,
    strength: config.strength,
    seed: config.seed,
  });
  const legend: SyntheticLegendFile = {
    format: SYNTHETIC_FORMAT,
    formatVersion: 1,
    package: '@patchfx/segment',
    packageVersion: SYNTHETIC_PACKAGE_VERSION,
    labels: syntheticLegend(),
    tracedParts: config.tracedParts,
    config,
    count,
    splits,
    files: { real: perSplit, fake: perSplit },
    groundTruth: {
      dir: GROUND_TRUTH_DIR,
      labels: '8-bit gray PNG, pixel value = label id (see labels)',
      trace: '8-bit gray PNG, 255 where the generator traces are, 0 elsewhere (fakes only)',
    },
    generator: {
      description:
        `2×2 box downsample, then a stride-2 ${stage.kernelSize}×${stage.kernelSize} transposed ` +
        'convolution (padding 1, edges replicated) per channel plus a bias kernel on a constant ' +
        'map, in [-1, 1] units; composited into the traced parts with a hard mask',
      ...stage,
    },
  };

  const tmp = `${root}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    const size = config.size;
    let done = 0;
    for (const kind of SYNTHETIC_CLASSES) {
      let index = 0;
      for (const split of SYNTHETIC_SPLITS) {
        const dir = join(tmp, kind, split);
        const truth = join(dir, GROUND_TRUTH_DIR);
        await mkdir(truth, { recursive: true });
        for (let k = 0; k < perSplit[split]; k++, index++) {
          const sample = synthesizeSample(kind, index, config, { stage });
          const name = fileName(kind, index, count);
          await writeFile(
            join(dir, `${name}.${fmt}`),
            encodePng({ width: size, height: size, channels: 3, data: sample.rgb }, PNG_OPTIONS),
          );
          await writeFile(
            join(truth, `${name}${GROUND_TRUTH_SUFFIXES.labels}`),
            encodePng({ width: size, height: size, channels: 1, data: sample.labels }, PNG_OPTIONS),
          );
          if (sample.trace) {
            const mask = sample.trace.map((m) => (m ? 255 : 0));
            await writeFile(
              join(truth, `${name}${GROUND_TRUTH_SUFFIXES.trace}`),
              encodePng({ width: size, height: size, channels: 1, data: mask }, PNG_OPTIONS),
            );
          }
          done++;
          onProgress?.(done, 2 * count);
        }
      }
    }
    await writeFile(join(tmp, 'legend.json'), `${JSON.stringify(legend, null, 2)}\n`);
    await writeFile(join(tmp, 'README.md'), readme(legend));
    if (replace) {
      const old = `${root}.old-${process.pid}`;
      await rename(root, old);
      await rename(tmp, root);
      await rm(old, { recursive: true, force: true });
    } else {
      if (existsSync(root)) await rmdir(root);
      else await mkdir(dirname(root), { recursive: true });
      await rename(tmp, root);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { root, legend };
}

/** The ground truth of one image of a synthetic set. Arrays are row-major `[size, size]`. */
export interface SyntheticGroundTruth {
  /** `'fake'` when a trace mask exists, else `'real'`. */
  readonly kind: SyntheticClass;
  /** Image side in pixels. */
  readonly size: number;
  /** Part label per pixel (ids of {@link FACE_PARTS}). */
  readonly labels: Uint8Array;
  /** Label id (string key) → part name, from the set's `legend.json`. */
  readonly legend: Record<string, FacePart>;
  /** Parts that carry traces in this set's fakes. */
  readonly tracedParts: readonly FacePart[];
  /** Fakes: 1 where the traces are, else 0. Reals: `null`. */
  readonly trace: Uint8Array | null;
}

/**
 * The values of an 8-bit gray (or gray+alpha, alpha dropped) PNG, as the set's label maps and
 * trace masks are written; `null` for any other kind of PNG.
 *
 * @throws `ImageDecodeError` naming `file` when the bytes are not a valid PNG.
 */
function readGrayPng(
  bytes: Uint8Array,
  file: string,
): { width: number; height: number; data: Uint8Array } | null {
  const { bitDepth, colorType } = readPngHeader(bytes, file);
  if (bitDepth !== 8 || (colorType !== 0 && colorType !== 4)) return null;
  const { width, height, data: rgb } = decodePng(bytes, file);
  const data = new Uint8Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = rgb[3 * p];
  return { width, height, data };
}

async function findLegend(dir: string): Promise<SyntheticLegendFile | null> {
  let d = resolve(dir);
  for (let up = 0; up < 5; up++) {
    try {
      const legend = JSON.parse(
        await readFile(join(d, 'legend.json'), 'utf8'),
      ) as SyntheticLegendFile;
      if (legend.format === SYNTHETIC_FORMAT) return legend;
    } catch {
      // not here; go up
    }
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return null;
}

/**
 * Reads the ground truth of an image of a set written by {@link synthesizeDataset}: its part
 * label map, the legend (from the set's `legend.json`, found by walking up from the image)
 * and, for fakes, the trace mask.
 *
 * @param imagePath - Path of an image of a synthetic set.
 * @returns The ground truth (new arrays, owned by the caller).
 * @throws When the image has no label map beside it, no `legend.json` is found above it, a
 *   file is not a valid PNG, or the sizes disagree; the message names the file.
 *
 * @example
 * ```ts doctest
 * import { mkdtempSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { readGroundTruth, synthesizeDataset } from '@patchfx/segment/node';
 * const dir = mkdtempSync(join(tmpdir(), 'synthetic-'));
 * const root = join(dir, 'set');
 * await synthesizeDataset({ root, count: 1, size: 32, splits: { train: 1, val: 0, test: 0 } });
 * const truth = await readGroundTruth(join(root, 'fake', 'train', 'fake-00000.png'));
 * truth.kind; // => 'fake'
 * truth.legend[String(truth.labels[0])]; // => 'background'
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function readGroundTruth(imagePath: string): Promise<SyntheticGroundTruth> {
  const paths = groundTruthPaths(imagePath);
  if (!existsSync(paths.labels)) {
    throw new Error(
      `no ground truth for '${imagePath}': expected '${paths.labels}' ` +
        '(is it an image of a set written by synthesizeDataset?)',
    );
  }
  const legend = await findLegend(dirname(imagePath));
  if (!legend) {
    throw new Error(`no legend.json of format '${SYNTHETIC_FORMAT}' found above '${imagePath}'`);
  }
  const labels = readGrayPng(await readFile(paths.labels), paths.labels);
  if (!labels || labels.width !== labels.height) {
    throw new Error(`'${paths.labels}' is not a square 8-bit gray label map`);
  }
  for (const v of labels.data) {
    if (v >= FACE_PARTS.length) {
      throw new Error(`'${paths.labels}' holds label id ${v}, outside 0–${FACE_PARTS.length - 1}`);
    }
  }
  let trace: Uint8Array | null = null;
  if (existsSync(paths.trace)) {
    const t = readGrayPng(await readFile(paths.trace), paths.trace);
    if (!t || t.width !== labels.width || t.height !== labels.height) {
      throw new Error(
        `'${paths.trace}' does not match its label map (${labels.width}×${labels.height} gray)`,
      );
    }
    trace = t.data.map((v) => (v >= 128 ? 1 : 0));
  }
  return {
    kind: trace ? 'fake' : 'real',
    size: labels.width,
    labels: labels.data,
    legend: legend.labels,
    tracedParts: legend.tracedParts,
    trace,
  };
}
