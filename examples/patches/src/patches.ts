/**
 * The reference's patches.py (spec §6): for reals and fakes separately, each image's most
 * confident correct patches, a global top-n kept in a bounded min-heap, and the patch pixels cut
 * from the model input through the receptive-field window (padded to rf×rf at the true offset
 * when clipped by the border).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, type TransformConfig } from '@patchfx/data';
import { patchWindow, type ReceptiveField } from '@patchfx/models';
import { imageGrid, type PixelImage } from '@patchfx/viz';
import { writeNpy, writePng } from '@patchfx/viz/node';
import { prepareImage, probabilityMap, type ImagePrediction } from '@patchfx/example-common';

/** One kept patch. */
export interface PatchCandidate {
  readonly value: number;
  /** Insertion counter: breaks value ties in the heap (earlier wins a place, as heapq does). */
  readonly order: number;
  readonly path: string;
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
 * by a seeded random key) to a global heap of `topn`.
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
 * The rf×rf patch of output (i, j) cut from an image in [-1, 1] (HWC), with the visible part
 * at its true offset and 0 (mid-grey) elsewhere (spec §6).
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

/** Writes `<subset>_easiest.{json,patch.npy,pos.npy,value.npy}`, the file list and the grid. */
export async function writePatches(options: {
  readonly dir: string;
  readonly subset: 'reals' | 'fakes';
  readonly candidates: readonly PatchCandidate[];
  readonly geometry: ReceptiveField;
  readonly transform: TransformConfig;
  readonly which: string;
  readonly mapSize: readonly [number, number];
}): Promise<void> {
  const { dir, subset, candidates, geometry, transform } = options;
  mkdirSync(dir, { recursive: true });
  const size = transform.loadSize;
  const rf = geometry.rf;
  const stem = `${subset}_easiest`;
  const patches = new Float32Array(candidates.length * rf * rf * 3);
  const pos = new Int32Array(candidates.length * 2);
  const values = new Float32Array(candidates.length);
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
    patches.set(cutPatch(img, size, geometry, c.pos[0], c.pos[1]), k * rf * rf * 3);
    pos[2 * k] = c.pos[0];
    pos[2 * k + 1] = c.pos[1];
    values[k] = c.value;
  }
  writeNpy(join(dir, `${stem}.patch.npy`), {
    data: patches,
    shape: [candidates.length, rf, rf, 3],
  });
  writeNpy(join(dir, `${stem}.pos.npy`), { data: pos, shape: [candidates.length, 2] });
  writeNpy(join(dir, `${stem}.value.npy`), { data: values, shape: [candidates.length] });
  writeFileSync(join(dir, `${stem}_files.txt`), candidates.map((c) => `${c.path}\n`).join(''));
  writeFileSync(
    join(dir, `${stem}.json`),
    `${JSON.stringify(
      {
        which_model_netD: options.which,
        rf,
        jump: geometry.jump,
        offset: geometry.offset,
        finesize: size,
        outsize: options.mapSize,
        count: candidates.length,
        files: `${stem}_files.txt`,
        arrays: { patch: `${stem}.patch.npy`, pos: `${stem}.pos.npy`, value: `${stem}.value.npy` },
      },
      null,
      1,
    )}\n`,
  );
  if (candidates.length) {
    const tiles: PixelImage[] = [];
    for (let k = 0; k < candidates.length; k++) {
      const data = new Uint8Array(rf * rf * 3);
      for (let t = 0; t < data.length; t++)
        data[t] = Math.trunc((patches[k * rf * rf * 3 + t] * 0.5 + 0.5) * 255);
      tiles.push({ data, width: rf, height: rf, channels: 3 });
    }
    writePng(join(dir, `${stem}_grid.png`), imageGrid(tiles));
  }
}
