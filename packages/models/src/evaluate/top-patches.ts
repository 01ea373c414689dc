/**
 * Collecting the top patches, as the reference's patches.py (spec §6): for the reals and the
 * fakes separately, each image's most confident correct patches are offered to a global top-n
 * kept in a bounded min-heap, and each kept patch's pixels are cut from the model input through
 * its receptive-field window (padded to rf×rf at the true offset where the border clips it).
 */
import { createRng, resolveTransformConfig, type TransformConfig } from '@patchfx/data';
import { patchWindow, receptiveField, type ReceptiveField } from '../receptive-field.js';
import { isPatchModel } from '../variants.js';
import { withFolderPair, type FolderPairOptions } from './folder-pair.js';
import { predictFiles, prepareImage, probabilityMap, type ImagePrediction } from './predict.js';

/** One kept patch. */
export interface PatchCandidate {
  /** Probability of the image's true class at this patch. */
  readonly value: number;
  /** Insertion counter: breaks value ties in the heap (earlier wins a place, as heapq does). */
  readonly order: number;
  /** The image file. */
  readonly path: string;
  /** `[row, column]` of the patch in the model's output map. */
  readonly pos: readonly [number, number];
}

/** A min-heap of at most `capacity` candidates ordered by (value, order). */
export class BoundedMinHeap {
  private readonly items: PatchCandidate[] = [];
  constructor(readonly capacity: number) {}
  private less(a: PatchCandidate, b: PatchCandidate): boolean {
    return a.value < b.value || (a.value === b.value && a.order < b.order);
  }
  /** Offers a candidate: kept if the heap is not full or it beats the minimum. */
  offer(c: PatchCandidate): void {
    if (this.items.length < this.capacity) {
      this.items.push(c);
      this.up(this.items.length - 1);
    } else if (this.capacity > 0 && this.less(this.items[0], c)) {
      this.items[0] = c;
      this.down(0);
    }
  }
  /** The candidates sorted ascending (strongest last). */
  sorted(): PatchCandidate[] {
    return [...this.items].sort((a, b) => (this.less(a, b) ? -1 : this.less(b, a) ? 1 : 0));
  }
  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i], this.items[p])) break;
      [this.items[i], this.items[p]] = [this.items[p], this.items[i]];
      i = p;
    }
  }
  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l], this.items[m])) m = l;
      if (r < n && this.less(this.items[r], this.items[m])) m = r;
      if (m === i) return;
      [this.items[i], this.items[m]] = [this.items[m], this.items[i]];
      i = m;
    }
  }
}

/**
 * Offers each image's best `perImage` patches (by the probability of its true class; ties broken
 * by a random key seeded with `seed`) to a global heap of `topn`.
 *
 * @param predictions - Patch predictions (`predictFiles`), each labelled with its class.
 * @param mapSize - `[H, W]` of the patch maps.
 * @returns The kept patches, sorted ascending (strongest last).
 */
export function selectPatches(
  predictions: readonly ImagePrediction[],
  mapSize: readonly [number, number],
  topn: number,
  perImage: number,
  seed: number,
): PatchCandidate[] {
  const [, w] = mapSize;
  const rng = createRng([seed, 0x7061746368]);
  const heap = new BoundedMinHeap(topn);
  let order = 0;
  for (const p of predictions) {
    const values = probabilityMap(p.logits, p.label);
    const keys = Array.from(values, () => rng.random());
    const idx = Array.from(values, (_, i) => i).sort(
      (a, b) => values[a] - values[b] || keys[a] - keys[b],
    );
    for (const k of idx.slice(-perImage)) {
      heap.offer({
        value: values[k],
        order: order++,
        path: p.path,
        pos: [Math.floor(k / w), k % w],
      });
    }
  }
  return heap.sorted();
}

/**
 * The rf×rf patch of output (i, j) cut from a `size`×`size` image in [-1, 1] (HWC), with the
 * visible part at its true offset and 0 (mid-grey) elsewhere (spec §6).
 */
export function cutPatch(
  image: Float32Array,
  size: number,
  geometry: ReceptiveField,
  i: number,
  j: number,
): Float32Array {
  const win = patchWindow(geometry, i, j, size);
  const rf = geometry.rf;
  const out = new Float32Array(rf * rf * 3);
  for (let y = win.top; y < win.bottom; y++) {
    const py = y - win.rawTop;
    for (let x = win.left; x < win.right; x++) {
      const px = x - win.rawLeft;
      for (let c = 0; c < 3; c++) out[(py * rf + px) * 3 + c] = image[(y * size + x) * 3 + c];
    }
  }
  return out;
}

/** Options of {@link collectTopPatches}: a patch model. */
export interface CollectTopPatchesOptions extends FolderPairOptions {
  /** Input size: the image is resized to it (`loadSize`, and `fineSize` must equal it). */
  readonly size: number;
  /** Patches kept for the reals and, separately, for the fakes. */
  readonly topn: number;
  /** Patches each image may offer: 1 = one per image (patches.py `--unique`). @defaultValue topn */
  readonly perImage?: number;
  /** Seed of the random key that breaks ties between patches. @defaultValue 0 */
  readonly seed?: number;
}

/** The top patches of one class. */
export interface ClassTopPatches {
  /** The kept patches, ascending by value (strongest last). */
  readonly candidates: readonly PatchCandidate[];
  /** Their pixels, `[count, rf, rf, 3]` in [-1, 1] (0 where the window leaves the image). */
  readonly pixels: Float32Array;
  /** Images predicted. */
  readonly imageCount: number;
}

/** What {@link collectTopPatches} found. */
export interface TopPatches {
  /** The model's architecture, e.g. `xception_block2`. */
  readonly whichModelNetD: string;
  /** The patch geometry (receptive field, jump, offset) of the model. */
  readonly geometry: ReceptiveField;
  /** The evaluation transform used. */
  readonly transform: TransformConfig;
  /** `[H, W]` of the patch map. */
  readonly mapSize: readonly [number, number];
  readonly reals: ClassTopPatches;
  readonly fakes: ClassTopPatches;
}

/** Cuts the candidates' patches from their images (each image read once per run of its patches). */
async function cutPatches(
  candidates: readonly PatchCandidate[],
  geometry: ReceptiveField,
  transform: TransformConfig,
): Promise<Float32Array> {
  const rf = geometry.rf;
  const pixels = new Float32Array(candidates.length * rf * rf * 3);
  const cache = new Map<string, Float32Array>();
  for (let k = 0; k < candidates.length; k++) {
    const c = candidates[k];
    let img = cache.get(c.path);
    if (!img) {
      const im = await prepareImage(c.path, transform);
      img = Float32Array.from(im.data, (v) => (v / 255 - 0.5) / 0.5);
      cache.clear();
      cache.set(c.path, img);
    }
    pixels.set(cutPatch(img, transform.loadSize, geometry, c.pos[0], c.pos[1]), k * rf * rf * 3);
  }
  return pixels;
}

/**
 * Collects the most predictive patches of a real and a fake folder (the computation of the
 * reference's patches.py): for each class, the `topn` patches most confidently of the image's
 * true class, and their pixels. Writes no files.
 *
 * @throws An error for a full-image model, a missing or empty folder (naming it), or an
 *   unreadable image (unless `skipBadFiles`).
 */
export async function collectTopPatches(options: CollectTopPatchesOptions): Promise<TopPatches> {
  const { size, topn } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`collectTopPatches: size must be a whole number ≥ 1, got ${size}`);
  if (!Number.isInteger(topn) || topn < 0)
    throw new Error(`collectTopPatches: topn must be a whole number ≥ 0, got ${topn}`);
  return withFolderPair('collectTopPatches', options, async (pair) => {
    const { model, predictor, whichModelNetD } = pair;
    if (!isPatchModel(pair.config))
      throw new Error(
        `collectTopPatches needs a patch model; '${whichModelNetD}' is a full-image classifier`,
      );
    const transform = resolveTransformConfig({ loadSize: size, fineSize: size, patchModel: true });
    const geometry = receptiveField(model);
    let mapSize: [number, number] | null = null;
    const collect = async (files: readonly string[], label: number): Promise<ClassTopPatches> => {
      const r = await predictFiles(predictor, files, {
        transform,
        batchSize: options.batchSize,
        label,
        skipBadFiles: options.skipBadFiles,
        onWarning: options.onWarning,
      });
      if (!r.mapSize) throw new Error('collectTopPatches: no image of a folder could be read');
      mapSize = r.mapSize;
      const candidates = selectPatches(
        r.predictions,
        r.mapSize,
        topn,
        options.perImage ?? topn,
        options.seed ?? 0,
      );
      const pixels = await cutPatches(candidates, geometry, transform);
      return { candidates, pixels, imageCount: r.predictions.length };
    };
    const reals = await collect(pair.realFiles, 1 - pair.fakeClassId);
    const fakes = await collect(pair.fakeFiles, pair.fakeClassId);
    return { whichModelNetD, geometry, transform, mapSize: mapSize!, reals, fakes };
  });
}
