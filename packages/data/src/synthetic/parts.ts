/**
 * The regions of the synthetic benchmark's scenes, by label id. They are named after the face-part
 * clusters of `@patchfx/segment` (`FACE_PARTS`, which owns the taxonomy, its colours and the
 * parser labels); segment reads the benchmark's label maps by these names (`legend.json`).
 */

/**
 * The region names of the synthetic label maps, indexed by label id (each one a face part of
 * `@patchfx/segment`).
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
