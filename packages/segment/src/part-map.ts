/**
 * Part maps: a label id per pixel plus the names of the ids. Plain arrays, no tensors.
 */
import { centerCropBox, shorterSideSize } from '@patchfx/data';
import { clusterOf, FACE_PART_COLORS, FACE_PARTS } from './parts.js';

/**
 * A label map with named parts: `labels[y * width + x]` is an index into `parts`.
 * What `Segmenter.segment` returns.
 */
export interface PartMap {
  /** `width · height` label ids, row-major. */
  readonly labels: Uint8Array;
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /**
   * Label id → part name: the CelebAMask-HQ labels (`CELEBAMASK_LABELS`, face parser) or the
   * 11 clusters (`FACE_PARTS`, synthetic label maps). Every name has a cluster (`clusterOf`).
   */
  readonly parts: readonly string[];
}

/**
 * Makes a {@link PartMap}, checking sizes, ids and names.
 *
 * @param labels - `width · height` ids (kept, not copied).
 * @param width - Columns, a positive integer.
 * @param height - Rows, a positive integer.
 * @param parts - Id → name; each name must be a cluster or a CelebAMask-HQ label.
 *   @defaultValue `FACE_PARTS`
 * @returns The map (it shares `labels`).
 * @throws When a size is wrong, an id has no name, or a name is unknown.
 *
 * @example
 * ```ts doctest
 * import { createPartMap } from '@patchfx/segment';
 * const map = createPartMap(new Uint8Array([0, 9, 9, 1]), 2, 2);
 * map.parts[map.labels[1]]; // => 'hair'
 * ```
 */
export function createPartMap(
  labels: Uint8Array,
  width: number,
  height: number,
  parts: readonly string[] = FACE_PARTS,
): PartMap {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`part map size must be positive integers, got ${width}×${height}`);
  }
  if (!(labels instanceof Uint8Array) || labels.length !== width * height) {
    throw new Error(
      `labels must be a Uint8Array of ${width}·${height} = ${width * height} ids, got ${labels?.length}`,
    );
  }
  parts.forEach((p) => clusterOf(p));
  for (let k = 0; k < labels.length; k++) {
    if (labels[k] >= parts.length) {
      throw new Error(
        `label id ${labels[k]} at pixel ${k} has no name (${parts.length} parts: 0–${parts.length - 1})`,
      );
    }
  }
  return { labels, width, height, parts: Object.freeze([...parts]) };
}

/**
 * Nearest-neighbour resize as OpenCV's `INTER_NEAREST`: output pixel `d` takes source pixel
 * `floor(d · src / dst)`. This is how the reference brings the parser's map to the classifier's
 * input grid (spec §7.1).
 *
 * @param map - The part map.
 * @param width - Output columns.
 * @param height - Output rows.
 * @returns A new map (a copy when the size is unchanged).
 * @throws When a size is not a positive integer.
 *
 * @example
 * ```ts doctest
 * import { createPartMap, resizePartMap } from '@patchfx/segment';
 * const map = createPartMap(new Uint8Array([1, 2, 3, 4]), 2, 2);
 * Array.from(resizePartMap(map, 4, 1).labels); // => [1, 1, 2, 2]
 * ```
 */
export function resizePartMap(map: PartMap, width: number, height: number): PartMap {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`part map size must be positive integers, got ${width}×${height}`);
  }
  const out = new Uint8Array(width * height);
  const sx = map.width / width;
  const sy = map.height / height;
  for (let y = 0; y < height; y++) {
    const ys = Math.min(map.height - 1, Math.floor(y * sy));
    for (let x = 0; x < width; x++) {
      const xs = Math.min(map.width - 1, Math.floor(x * sx));
      out[y * width + x] = map.labels[ys * map.width + xs];
    }
  }
  return { labels: out, width, height, parts: map.parts };
}

/**
 * Brings a map of a source image onto the classifier's input grid, by the geometry of the
 * evaluation transform: the shorter side to `inputSize` (nearest, as {@link resizePartMap}),
 * then the centre `inputSize × inputSize` crop (torchvision's `CenterCrop` box). A square map
 * is simply resized.
 *
 * @param map - A map at the source image's size.
 * @param inputSize - The model input side (`finesize`).
 * @returns A new `inputSize × inputSize` map.
 * @throws When `inputSize` is not a positive integer.
 *
 * @example
 * ```ts doctest
 * import { createPartMap, partMapToInputGrid } from '@patchfx/segment';
 * const wide = createPartMap(new Uint8Array([0, 1, 2, 3, 0, 1, 2, 3]), 4, 2);
 * Array.from(partMapToInputGrid(wide, 2).labels); // => [1, 2, 1, 2]
 * ```
 */
export function partMapToInputGrid(map: PartMap, inputSize: number): PartMap {
  if (!Number.isInteger(inputSize) || inputSize < 1) {
    throw new Error(`inputSize must be a positive integer, got ${inputSize}`);
  }
  const [w, h] = shorterSideSize(map.width, map.height, inputSize);
  const resized = resizePartMap(map, w, h);
  if (w === inputSize && h === inputSize) return resized;
  const box = centerCropBox(w, h, inputSize, inputSize);
  const out = new Uint8Array(inputSize * inputSize);
  for (let y = 0; y < inputSize; y++) {
    const row = (box.top + y) * w + box.left;
    out.set(resized.labels.subarray(row, row + inputSize), y * inputSize);
  }
  return { labels: out, width: inputSize, height: inputSize, parts: map.parts };
}

/**
 * Paints a part map in the cluster colours of {@link FACE_PART_COLORS} (labels are mapped to
 * their cluster first), optionally blended over an image.
 *
 * @param map - The part map.
 * @param options - `image`: RGB bytes of the same size to blend over; `alpha`: the map's
 *   weight in the blend (0–1). @defaultValue alpha 0.5 with an image, 1 without
 * @returns `width · height · 3` RGB bytes.
 * @throws When the image size differs from the map's or `alpha` is outside [0, 1].
 *
 * @example
 * ```ts doctest
 * import { colorizePartMap, createPartMap } from '@patchfx/segment';
 * Array.from(colorizePartMap(createPartMap(new Uint8Array([9]), 1, 1))); // => [250, 230, 40]
 * ```
 */
export function colorizePartMap(
  map: PartMap,
  options: {
    readonly image?: { readonly data: Uint8Array; readonly width: number; readonly height: number };
    readonly alpha?: number;
  } = {},
): Uint8Array {
  const { image } = options;
  const alpha = options.alpha ?? (image ? 0.5 : 1);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`alpha must be in [0, 1], got ${alpha}`);
  if (image && (image.width !== map.width || image.height !== map.height)) {
    throw new Error(
      `image is ${image.width}×${image.height} but the map is ${map.width}×${map.height}`,
    );
  }
  const colors = map.parts.map((p) => FACE_PART_COLORS[FACE_PARTS.indexOf(clusterOf(p))]);
  const out = new Uint8Array(map.width * map.height * 3);
  for (let k = 0; k < map.labels.length; k++) {
    const c = colors[map.labels[k]];
    for (let ch = 0; ch < 3; ch++) {
      const base = image ? image.data[k * 3 + ch] : 0;
      out[k * 3 + ch] = Math.round(alpha * c[ch] + (1 - alpha) * base);
    }
  }
  return out;
}
