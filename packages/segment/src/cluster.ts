/**
 * Assigning a patch to a face-part cluster (spec §7.2) and the random-patch baseline.
 */
import type { Rng } from '@patchfx/data';
import type { PartMap } from './part-map.js';
import { clusterOf, type FacePart } from './parts.js';

/**
 * A patch's input window, clipped to the image: rows `[top, bottom)`, columns `[left, right)`.
 * `PatchWindow` of `@patchfx/models` (`patchWindow(geometry, i, j, size)`) is one.
 */
export interface PatchBox {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

/** Where a patch goes: the winning label, its cluster and the fraction that won. */
export interface ClusterAssignment {
  /** Winning label id of the map. */
  readonly label: number;
  /** Its name (`map.parts[label]`). */
  readonly labelName: string;
  /** Its cluster. */
  readonly cluster: FacePart;
  /** Pixels of the label inside the window ÷ pixels of the label in the whole map, in (0, 1]. */
  readonly fraction: number;
}

/**
 * Pixels per label id over the whole map.
 *
 * @param map - The part map.
 * @returns `counts[id]` for every id of `map.parts`.
 *
 * @example
 * ```ts doctest
 * import { createPartMap, labelCounts } from '@patchfx/segment';
 * Array.from(labelCounts(createPartMap(new Uint8Array([0, 9, 9, 1]), 2, 2))).slice(0, 2); // => [1, 1]
 * ```
 */
export function labelCounts(map: PartMap): Int32Array {
  const counts = new Int32Array(map.parts.length);
  for (let k = 0; k < map.labels.length; k++) counts[map.labels[k]]++;
  return counts;
}

function checkBox(map: PartMap, box: PatchBox): void {
  const ok = [box.top, box.left, box.bottom, box.right].every(Number.isInteger);
  if (
    !ok ||
    box.top < 0 ||
    box.left < 0 ||
    box.bottom > map.height ||
    box.right > map.width ||
    box.bottom <= box.top ||
    box.right <= box.left
  ) {
    throw new Error(
      `patch window rows [${box.top}, ${box.bottom}) × columns [${box.left}, ${box.right}) ` +
        `is not a non-empty integer box inside the ${map.width}×${map.height} map ` +
        '(clip it to the image first, as patchWindow does)',
    );
  }
}

/**
 * The fraction of each label's area that lies inside a patch window (spec §7.2): pixels of the
 * label in the window ÷ pixels of the label in the whole map. The reference cuts an rf × rf
 * window padded with −1 and excludes the padding; counting over the clipped window is the same.
 *
 * @param map - The part map, on the classifier's input grid.
 * @param box - The clipped window.
 * @param totals - {@link labelCounts} of `map`, when already computed.
 * @returns One fraction per label id (0 for labels absent from the window or the map).
 * @throws When the box is not inside the map.
 *
 * @example
 * ```ts doctest
 * import { createPartMap, partFractions } from '@patchfx/segment';
 * const map = createPartMap(new Uint8Array([1, 1, 1, 3]), 2, 2);
 * Array.from(partFractions(map, { top: 1, left: 0, bottom: 2, right: 2 })).slice(0, 4); // => [0, 1 / 3, 0, 1]
 * ```
 */
export function partFractions(
  map: PartMap,
  box: PatchBox,
  totals: Int32Array = labelCounts(map),
): Float64Array {
  checkBox(map, box);
  const inside = new Int32Array(map.parts.length);
  for (let y = box.top; y < box.bottom; y++) {
    const row = y * map.width;
    for (let x = box.left; x < box.right; x++) inside[map.labels[row + x]]++;
  }
  const out = new Float64Array(map.parts.length);
  for (let k = 0; k < out.length; k++) out[k] = inside[k] > 0 ? inside[k] / totals[k] : 0;
  return out;
}

/**
 * The cluster of a patch, exactly as `segmenter.py` (spec §7.2): per label, the fraction of its
 * area inside the window ({@link partFractions}); the label with the largest fraction wins and
 * is mapped to its cluster. This normalisation favours small parts that fit in the patch
 * (a whole eye beats a corner of the cheek). Fractions are per *label*, before grouping, as in
 * the reference (left and right eye compete separately).
 *
 * Ties go to the lowest label id: the reference takes the first maximum over the labels present,
 * which `np.unique` lists in ascending order.
 *
 * @param map - The part map, on the classifier's input grid.
 * @param box - The clipped window.
 * @param totals - {@link labelCounts} of `map`, when already computed.
 * @returns The winning label, its cluster and fraction.
 * @throws When the box is not inside the map.
 *
 * @example
 * ```ts doctest
 * import { assignCluster, createPartMap } from '@patchfx/segment';
 * // a 1-pixel eye (id 3) inside the window beats 3 of the 12 skin pixels (id 1)
 * const labels = new Uint8Array(16).fill(1);
 * labels[5] = 3;
 * const map = createPartMap(labels, 4, 4);
 * assignCluster(map, { top: 0, left: 0, bottom: 2, right: 2 }).cluster; // => 'eye'
 * ```
 */
export function assignCluster(
  map: PartMap,
  box: PatchBox,
  totals: Int32Array = labelCounts(map),
): ClusterAssignment {
  const fractions = partFractions(map, box, totals);
  let best = -1;
  for (let k = 0; k < fractions.length; k++) {
    if (fractions[k] > 0 && (best < 0 || fractions[k] > fractions[best])) best = k;
  }
  const labelName = map.parts[best];
  return { label: best, labelName, cluster: clusterOf(labelName), fraction: fractions[best] };
}

/**
 * A uniformly random patch position among all `H × W` positions of the patch map: the
 * reference's random-patch baseline (spec §7.2), drawn from a seeded generator (the reference
 * does not seed it).
 *
 * @param outsize - The patch-map size `[H, W]`.
 * @param rng - A seeded generator (`createRng(seed)` of `@patchfx/data`); one draw.
 * @returns `[i, j]` (row, column).
 * @throws When `outsize` is not two positive integers.
 *
 * @example
 * ```ts doctest
 * import { createRng } from '@patchfx/data';
 * import { randomPatchPosition } from '@patchfx/segment';
 * const [i, j] = randomPatchPosition([3, 5], createRng(0));
 * i >= 0 && i < 3 && j >= 0 && j < 5; // => true
 * ```
 */
export function randomPatchPosition(
  outsize: readonly [number, number],
  rng: Rng,
): [number, number] {
  const [h, w] = outsize;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new Error(
      `outsize must be [H, W] with positive integers, got ${JSON.stringify(outsize)}`,
    );
  }
  const k = rng.int(0, h * w - 1);
  return [Math.floor(k / w), k % w];
}
