/**
 * The regions of the synthetic benchmark's scenes, by label id. They are named after the face-part
 * clusters of `@patchfx/segment` (`FACE_PARTS`, which owns the taxonomy, its colours and the
 * parser labels); segment reads the benchmark's label maps by these names (`legend.json`).
 */

/**
 * The regions of the synthetic scenes and the label id each one is written with in the label
 * maps (the benchmark's encoding; `legend.json` maps the ids back to these names). Each region
 * is named after a face part of `@patchfx/segment`.
 *
 * @example
 * ```ts doctest
 * import { SYNTHETIC_REGION_IDS } from '@patchfx/data';
 * SYNTHETIC_REGION_IDS.hair; // => 9
 * ```
 */
export const SYNTHETIC_REGION_IDS = Object.freeze({
  background: 0,
  skin: 1,
  brows: 2,
  eye: 3,
  ear: 4,
  nose: 5,
  mouth: 6,
  neck: 7,
  clothes: 8,
  hair: 9,
  hat: 10,
} as const);

/** One region (face-part) name of the synthetic benchmark. */
export type SyntheticPart = keyof typeof SYNTHETIC_REGION_IDS;

/**
 * The region names of the synthetic label maps, indexed by label id (from
 * {@link SYNTHETIC_REGION_IDS}).
 *
 * @example
 * ```ts doctest
 * import { SYNTHETIC_PARTS } from '@patchfx/data';
 * SYNTHETIC_PARTS.indexOf('hair'); // => 9
 * SYNTHETIC_PARTS.length; // => 11
 * ```
 */
export const SYNTHETIC_PARTS: readonly SyntheticPart[] = Object.freeze(
  (Object.keys(SYNTHETIC_REGION_IDS) as SyntheticPart[]).sort(
    (a, b) => SYNTHETIC_REGION_IDS[a] - SYNTHETIC_REGION_IDS[b],
  ),
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
