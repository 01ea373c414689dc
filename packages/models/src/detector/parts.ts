/**
 * Face parts for explanations: a segmenter is accepted by its shape (the `Segmenter` of
 * `@patchfx/segment` fits), so `@patchfx/models` does not depend on `@patchfx/segment`.
 */
import { centerCropBox, shorterSideSize, type RgbImage } from '@patchfx/data';
import type { PixelBox } from './preprocess.js';

/** A label map with named parts (`PartMap` of `@patchfx/segment`). */
export interface PartMapLike {
  /** `width · height` label ids, row-major: `labels[y · width + x]` indexes `parts`. */
  readonly labels: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Label id → part name. */
  readonly parts: readonly string[];
}

/**
 * What `explain` needs from a segmenter: `segment(image, { inputSize })` resolving a part map
 * on the model's input grid (or at the image's size, which the detector then brings onto the
 * grid). `Segmenter` of `@patchfx/segment` has this shape. The input is the decoded image, or
 * the file path when the detector was given one (the label-map segmenter needs the path).
 */
export interface SegmenterLike {
  segment(
    input: RgbImage | string,
    options?: { readonly inputSize?: number },
  ): Promise<PartMapLike>;
}

/** The face part a patch falls in. */
export interface PatchPart {
  /**
   * The part's name: `partGroup(label)` when a grouping was given (e.g. `clusterOf` of
   * `@patchfx/segment`, for the reference's 11 clusters), else the segmenter's label name.
   */
  readonly name: string;
  /** The segmenter's label name. */
  readonly label: string;
  /** Its label id in the part map. */
  readonly id: number;
  /**
   * The reference's cluster rule (spec §7.2): the label's pixels inside the window ÷ its pixels
   * in the whole map, in (0, 1]. The winner is the label with the largest fraction.
   */
  readonly fraction: number;
  /** Share of the window's pixels that carry this label, in (0, 1]. */
  readonly coverage: number;
}

/**
 * One face part's share of a patch's window: what an app shows ("62 % skin, 35 % clothes").
 */
export interface PartShare {
  /**
   * The part's name: `partGroup(label)` when a grouping was given (labels that map to the same
   * name are added up), else the segmenter's label name.
   */
  readonly name: string;
  /** Share of the window's pixels that show this part, in (0, 1]. */
  readonly share: number;
}

/**
 * Every part in a patch's window, by its share of the window (largest first; ties to the part
 * whose first label has the lowest id). The first is the dominant part.
 */
export function partShares(
  map: PartMapLike,
  box: PixelBox,
  group?: (label: string) => string,
): PartShare[] {
  const inside = new Int32Array(Math.max(map.parts.length, 256));
  let area = 0;
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      inside[map.labels[y * map.width + x]]++;
      area++;
    }
  }
  const byName = new Map<string, number>();
  for (let k = 0; k < inside.length; k++) {
    if (inside[k] === 0) continue;
    const label = map.parts[k] ?? `label ${k}`;
    const name = group ? group(label) : label;
    byName.set(name, (byName.get(name) ?? 0) + inside[k]);
  }
  // Map keeps insertion order (lowest id first), and the sort is stable: ties stay in it.
  return [...byName]
    .map(([name, n]) => ({ name, share: n / area }))
    .sort((a, b) => b.share - a.share);
}

/**
 * Brings a map onto the model's input grid as the evaluation transform does to the image: the
 * shorter side to `side` by nearest neighbour (OpenCV `INTER_NEAREST`, source index
 * `floor(d · src / dst)`), then the centre `crop × crop` square (label 0 outside the map).
 */
export function partMapToGrid(map: PartMapLike, side: number, crop: number): PartMapLike {
  if (map.width === side && map.height === side) return map;
  const [w, h] = shorterSideSize(map.width, map.height, side);
  const { top, left } = centerCropBox(w, h, crop, crop);
  const labels = new Uint8Array(crop * crop);
  const bg = 0;
  for (let y = 0; y < crop; y++) {
    const yr = y + top;
    for (let x = 0; x < crop; x++) {
      const xr = x + left;
      if (yr < 0 || yr >= h || xr < 0 || xr >= w) {
        labels[y * crop + x] = bg;
        continue;
      }
      const ys = Math.min(map.height - 1, Math.floor((yr * map.height) / h));
      const xs = Math.min(map.width - 1, Math.floor((xr * map.width) / w));
      labels[y * crop + x] = map.labels[ys * map.width + xs];
    }
  }
  return { labels, width: crop, height: crop, parts: map.parts };
}

/** Checks a part map's shape. */
export function checkPartMap(map: PartMapLike): void {
  const ok =
    map &&
    map.labels instanceof Uint8Array &&
    Number.isInteger(map.width) &&
    Number.isInteger(map.height) &&
    map.labels.length === map.width * map.height &&
    Array.isArray(map.parts);
  if (!ok) {
    throw new Error(
      'the segmenter returned no valid part map: expected { labels: Uint8Array(width·height), width, height, parts }',
    );
  }
}

/**
 * The part of one window by the reference's rule: the label whose area lies most inside the
 * window (fraction of its whole-map pixels); ties go to the lowest id.
 *
 * @param map - The part map on the input grid.
 * @param box - The clipped window.
 * @param totals - Pixels per label id over the whole map.
 * @param group - Optional label → part-name grouping.
 */
export function assignPart(
  map: PartMapLike,
  box: PixelBox,
  totals: Int32Array,
  group?: (label: string) => string,
): PatchPart | null {
  const inside = new Int32Array(totals.length);
  let area = 0;
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      inside[map.labels[y * map.width + x]]++;
      area++;
    }
  }
  let best = -1;
  let bestFraction = 0;
  for (let k = 0; k < inside.length; k++) {
    if (inside[k] === 0) continue;
    const f = inside[k] / totals[k];
    if (f > bestFraction) {
      best = k;
      bestFraction = f;
    }
  }
  if (best < 0) return null;
  const label = map.parts[best] ?? `label ${best}`;
  return {
    name: group ? group(label) : label,
    label,
    id: best,
    fraction: bestFraction,
    coverage: inside[best] / area,
  };
}

/** Pixels per label id (length = max(parts, max id + 1)). */
export function labelTotals(map: PartMapLike): Int32Array {
  let n = map.parts.length;
  for (let k = 0; k < map.labels.length; k++) if (map.labels[k] >= n) n = map.labels[k] + 1;
  const totals = new Int32Array(n);
  for (let k = 0; k < map.labels.length; k++) totals[map.labels[k]]++;
  return totals;
}
