/**
 * The reference's segmenter.py on a `patches_top<n>/` folder: every patch goes to the face part
 * (cluster) that has the largest share of its area inside the patch window, a random patch of
 * the same image gives the baseline, and each cluster gets its grid, arrays and file list.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { createRng } from '@patchfx/data';
import { patchWindow, type ReceptiveField } from '@patchfx/models';
import {
  assignCluster,
  FACE_PARTS,
  formatClusterCounts,
  labelCounts,
  randomPatchPosition,
  type FacePart,
  type PartMap,
  type Segmenter,
} from '@patchfx/segment';
import {
  combinePartCounts,
  imageGrid,
  imageFromFloats,
  renderPartHistogram,
  type NpyArray,
  type PixelImage,
} from '@patchfx/viz';
import { readNpy, writeNpy, writePng } from '@patchfx/viz/node';
import { svgToPng } from '@patchfx/example-common';

/** The subsets `patches` writes, in the reference's order. */
export const SUBSETS = Object.freeze(['reals', 'fakes'] as const);
export type Subset = (typeof SUBSETS)[number];

/** Patches per cluster grid: the last (strongest) 225, as the reference. */
export const GRID_PATCHES = 225;

/** `<subset>_easiest.json` written by the patches program. */
export interface PatchesIndex {
  readonly which_model_netD: string;
  readonly rf: number;
  readonly jump: number;
  readonly offset: number;
  readonly finesize: number;
  readonly outsize: [number, number];
  readonly count: number;
  readonly files: string;
  readonly arrays: { readonly patch: string; readonly pos: string; readonly value: string };
}

/** One subset's patches, read back. */
export interface PatchesSubset {
  readonly index: PatchesIndex;
  readonly files: string[];
  readonly patch: NpyArray;
  readonly pos: Int32Array;
  readonly value: Float32Array;
}

function fail(path: string, what: string): never {
  throw new Error(`'${path}': ${what}`);
}

/** Reads `<dir>/<subset>_easiest.*`, checking that the pieces agree. `null` when absent. */
export function readPatchesSubset(dir: string, subset: Subset): PatchesSubset | null {
  const jsonPath = join(dir, `${subset}_easiest.json`);
  if (!existsSync(jsonPath)) return null;
  let index: PatchesIndex;
  try {
    index = JSON.parse(readFileSync(jsonPath, 'utf8')) as PatchesIndex;
  } catch (e) {
    fail(jsonPath, `not valid JSON (${(e as Error).message})`);
  }
  for (const k of [
    'which_model_netD',
    'rf',
    'jump',
    'offset',
    'finesize',
    'outsize',
    'count',
  ] as const) {
    if (index[k] === undefined)
      fail(jsonPath, `missing field '${k}' (was it written by npm run patches?)`);
  }
  const filesPath = join(dir, index.files ?? `${subset}_easiest_files.txt`);
  if (!existsSync(filesPath)) fail(filesPath, 'file list not found');
  const files = readFileSync(filesPath, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const arrays = index.arrays ?? {
    patch: `${subset}_easiest.patch.npy`,
    pos: `${subset}_easiest.pos.npy`,
    value: `${subset}_easiest.value.npy`,
  };
  const read = (name: string) => {
    const p = join(dir, name);
    if (!existsSync(p)) fail(p, 'array not found');
    return readNpy(p);
  };
  const patch = read(arrays.patch);
  const pos = read(arrays.pos);
  const value = read(arrays.value);
  const n = index.count;
  const rf = index.rf;
  if (files.length !== n)
    fail(filesPath, `has ${files.length} paths but the index says ${n} patches`);
  if (patch.shape.join() !== [n, rf, rf, 3].join()) {
    fail(join(dir, arrays.patch), `shape [${patch.shape}] is not [${n}, ${rf}, ${rf}, 3]`);
  }
  if (pos.shape.join() !== [n, 2].join() || !(pos.data instanceof Int32Array)) {
    fail(join(dir, arrays.pos), `must be int32 [${n}, 2], got [${pos.shape}]`);
  }
  if (value.shape.join() !== String(n))
    fail(join(dir, arrays.value), `must be [${n}], got [${value.shape}]`);
  return {
    index,
    files,
    patch,
    pos: pos.data as Int32Array,
    value: Float32Array.from(value.data),
  };
}

/** Where a patch's image is: absolute, else relative to the working folder, else to the patches dir. */
function locate(path: string, patchesDir: string): string {
  if (isAbsolute(path) || existsSync(path)) return resolve(path);
  const beside = resolve(patchesDir, path);
  return existsSync(beside) ? beside : resolve(path);
}

/** Sorts clusters by count, descending; ties in `FACE_PARTS` order. */
function rank(counts: ReadonlyMap<FacePart, number>): { label: FacePart; count: number }[] {
  return [...counts.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || FACE_PARTS.indexOf(a.label) - FACE_PARTS.indexOf(b.label));
}

/** What one subset produced. */
export interface SubsetClusters {
  readonly subset: Subset;
  readonly dir: string;
  readonly top: { label: FacePart; count: number }[];
  readonly random: { label: FacePart; count: number }[];
  /** Images the face parser found no face in (all background). */
  readonly noFace: number;
}

function patchTile(data: Float32Array, rf: number): PixelImage {
  return imageFromFloats(data, { height: rf, width: rf, channels: 3 }, { range: 'signed' });
}

/**
 * Clusters one subset into `<clustersDir>/<subset>_clusters/` (emptied first).
 *
 * @param segment - Returns the part map of an image on the `finesize` grid.
 * @param rng - The seeded generator of the random baseline (one draw per patch, in file order).
 */
export async function clusterSubset(options: {
  readonly patchesDir: string;
  readonly clustersDir: string;
  readonly subset: Subset;
  readonly data: PatchesSubset;
  readonly segmenter: Segmenter;
  readonly rng: ReturnType<typeof createRng>;
  readonly onProgress?: (done: number, total: number) => void;
}): Promise<SubsetClusters> {
  const { data, segmenter, rng, subset } = options;
  const { index } = data;
  const geometry: ReceptiveField = { rf: index.rf, jump: index.jump, offset: index.offset };
  const size = index.finesize;
  const outsize: [number, number] = [index.outsize[0], index.outsize[1]];
  const n = index.count;
  const topOf: FacePart[] = [];
  const topCounts = new Map<FacePart, number>();
  const randomCounts = new Map<FacePart, number>();
  let cached: { path: string; map: PartMap; totals: Int32Array } | null = null;
  let noFace = 0;
  for (let k = 0; k < n; k++) {
    const path = locate(data.files[k], options.patchesDir);
    if (!cached || cached.path !== path) {
      const map = await segmenter.segment(path, { inputSize: size });
      if ('face' in map && map.face === null) noFace++;
      cached = { path, map, totals: labelCounts(map) };
    }
    const { map, totals } = cached;
    const [i, j] = [data.pos[2 * k], data.pos[2 * k + 1]];
    if (!(i >= 0 && i < outsize[0] && j >= 0 && j < outsize[1])) {
      throw new Error(
        `patch ${k} of ${subset} is at (${i}, ${j}), outside the ${outsize[0]}×${outsize[1]} map`,
      );
    }
    const top = assignCluster(map, patchWindow(geometry, i, j, size), totals).cluster;
    const [ri, rj] = randomPatchPosition(outsize, rng);
    const random = assignCluster(map, patchWindow(geometry, ri, rj, size), totals).cluster;
    topOf.push(top);
    topCounts.set(top, (topCounts.get(top) ?? 0) + 1);
    randomCounts.set(random, (randomCounts.get(random) ?? 0) + 1);
    options.onProgress?.(k + 1, n);
  }
  const dir = join(options.clustersDir, `${subset}_clusters`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const top = rank(topCounts);
  const random = rank(randomCounts);
  const rf = index.rf;
  const tile = rf * rf * 3;
  top.forEach(({ label }, c) => {
    const members = topOf.flatMap((l, k) => (l === label ? [k] : []));
    const stem = `cluster_${c}`;
    const patch = new Float32Array(members.length * tile);
    const pos = new Int32Array(members.length * 2);
    const value = new Float32Array(members.length);
    members.forEach((k, m) => {
      patch.set(data.patch.data.subarray(k * tile, (k + 1) * tile), m * tile);
      pos[2 * m] = data.pos[2 * k];
      pos[2 * m + 1] = data.pos[2 * k + 1];
      value[m] = data.value[k];
    });
    writeNpy(join(dir, `${stem}.patch.npy`), { data: patch, shape: [members.length, rf, rf, 3] });
    writeNpy(join(dir, `${stem}.pos.npy`), { data: pos, shape: [members.length, 2] });
    writeNpy(join(dir, `${stem}.value.npy`), { data: value, shape: [members.length] });
    writeFileSync(join(dir, `${stem}.txt`), members.map((k) => `${data.files[k]}\n`).join(''));
    writeFileSync(
      join(dir, `${stem}.json`),
      `${JSON.stringify(
        {
          label,
          which_model_netD: index.which_model_netD,
          rf,
          jump: index.jump,
          offset: index.offset,
          finesize: size,
          outsize,
          count: members.length,
          files: `${stem}.txt`,
          arrays: {
            patch: `${stem}.patch.npy`,
            pos: `${stem}.pos.npy`,
            value: `${stem}.value.npy`,
          },
        },
        null,
        1,
      )}\n`,
    );
    // input order is ascending by value, so the last ones are the strongest
    const shown = members.slice(-GRID_PATCHES);
    writePng(
      join(dir, `${stem}.png`),
      imageGrid(
        shown.map((k) =>
          patchTile(data.patch.data.subarray(k * tile, (k + 1) * tile) as Float32Array, rf),
        ),
      ),
    );
  });
  writeFileSync(join(dir, 'counts.txt'), formatClusterCounts(top));
  writeFileSync(join(dir, 'baseline.txt'), formatClusterCounts(random));
  const svg = renderPartHistogram(
    combinePartCounts(
      [Object.fromEntries(top.map((r) => [r.label, r.count]))],
      [Object.fromEntries(random.map((r) => [r.label, r.count]))],
    ),
    { title: `${subset}: face part of each image's most predictive patch` },
  );
  writeFileSync(join(dir, 'histogram.svg'), svg);
  writeFileSync(join(dir, 'histogram.png'), svgToPng(svg));
  return { subset, dir, top, random, noFace };
}

/** Writes `<clustersDir>/histogram_parts.{svg,png}`: reals + fakes summed, top vs random patch. */
export function writeCombinedHistogram(
  clustersDir: string,
  results: readonly SubsetClusters[],
): string {
  const asRecord = (rows: readonly { label: string; count: number }[]) =>
    Object.fromEntries(rows.map((r) => [r.label, r.count]));
  const rows = combinePartCounts(
    results.map((r) => asRecord(r.top)),
    results.map((r) => asRecord(r.random)),
  );
  const svg = renderPartHistogram(rows, {
    title: `face parts: top patch vs random patch (${results.map((r) => r.subset).join(' + ')})`,
  });
  const path = join(clustersDir, 'histogram_parts.svg');
  writeFileSync(path, svg);
  writeFileSync(join(clustersDir, 'histogram_parts.png'), svgToPng(svg));
  return path;
}

/**
 * The run this patches folder belongs to, when it sits at
 * `<results_dir>/<name>/<partition>/epoch_<e>/<dataset>/patches_top<n>`.
 */
export function runOfPatchesDir(dir: string): { resultsDir: string; name: string } | null {
  const parts = resolve(dir).split(sep);
  const n = parts.length;
  if (n < 6 || !/^patches_top\d+$/.test(parts[n - 1]) || !/^epoch_/.test(parts[n - 3])) return null;
  return { resultsDir: parts.slice(0, n - 5).join(sep) || sep, name: parts[n - 5] };
}
