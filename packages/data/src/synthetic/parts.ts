/**
 * Face-part names of the synthetic benchmark: the reference's 11 face-parser clusters
 * (spec §7.1), in the same order, so a label id is a cluster id.
 */

/**
 * The part names of the synthetic label maps, indexed by label id (spec §7.1 clusters).
 *
 * @example
 * ```ts doctest
 * import { SYNTHETIC_PARTS } from '@patchfx/data';
 * SYNTHETIC_PARTS.indexOf('hair'); // => 9
 * SYNTHETIC_PARTS.length; // => 11
 * ```
 */
export const SYNTHETIC_PARTS = Object.freeze([
  'background',
  'skin',
  'brows',
  'eye',
  'ear',
  'nose',
  'mouth',
  'neck',
  'clothes',
  'hair',
  'hat',
] as const);

/** One face-part (cluster) name of the synthetic benchmark. */
export type SyntheticPart = (typeof SYNTHETIC_PARTS)[number];

/**
 * Display colours of the parts (RGB 0–255, indexed by label id), for colouring label maps.
 *
 * @example
 * ```ts doctest
 * import { SYNTHETIC_PART_COLORS } from '@patchfx/data';
 * SYNTHETIC_PART_COLORS[0]; // => [0, 0, 0]
 * ```
 */
export const SYNTHETIC_PART_COLORS: readonly (readonly [number, number, number])[] = Object.freeze(
  [
    [0, 0, 0], // background
    [230, 190, 150], // skin
    [120, 60, 20], // brows
    [40, 120, 255], // eye
    [255, 140, 0], // ear
    [255, 80, 80], // nose
    [200, 0, 90], // mouth
    [170, 130, 100], // neck
    [60, 170, 60], // clothes
    [250, 230, 40], // hair
    [150, 60, 220], // hat
  ].map((c) => Object.freeze(c as [number, number, number])),
);

/**
 * Label ids of part names, validated.
 *
 * @param parts - Part names from {@link SYNTHETIC_PARTS}.
 * @returns The ids, in the order given.
 * @throws When a name is not a part; the message lists the parts.
 *
 * @example
 * ```ts doctest
 * import { syntheticPartIds } from '@patchfx/data';
 * syntheticPartIds(['hair', 'background']); // => [9, 0]
 * ```
 */
export function syntheticPartIds(parts: readonly string[]): number[] {
  return parts.map((p) => {
    const id = (SYNTHETIC_PARTS as readonly string[]).indexOf(p);
    if (id < 0) {
      throw new Error(
        `unknown part ${JSON.stringify(p)}; parts are ${SYNTHETIC_PARTS.map((q) => `'${q}'`).join(' | ')}`,
      );
    }
    return id;
  });
}
