/**
 * Face parts, owned here: the 11 clusters `segmenter.py` groups the face parser's labels into
 * (spec §7.1), their display colours, the 19 labels of the CelebAMask-HQ face parser the
 * reference used, and the label → cluster table. The synthetic benchmark of this package
 * (`synthetic/`) labels its scenes with these parts: label id = index in {@link FACE_PARTS}.
 */

/**
 * The 11 face-part clusters of the reference's `segmenter.py` (spec §7.1).
 *
 * @example
 * ```ts doctest
 * import { FACE_PARTS } from '@patchfx/segment';
 * FACE_PARTS.length; // => 11
 * FACE_PARTS.indexOf('hair'); // => 9
 * ```
 */
export const FACE_PARTS = Object.freeze([
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

/** One face-part cluster name. */
export type FacePart = (typeof FACE_PARTS)[number];

/**
 * Label ids (indices in {@link FACE_PARTS}) of part names, validated.
 *
 * @param parts - Part names.
 * @returns The ids, in the order given.
 * @throws When a name is not a face part; the message lists the parts.
 *
 * @example
 * ```ts doctest
 * import { facePartIds } from '@patchfx/segment';
 * facePartIds(['hair', 'background']); // => [9, 0]
 * ```
 */
export function facePartIds(parts: readonly string[]): number[] {
  return parts.map((p) => {
    const id = (FACE_PARTS as readonly string[]).indexOf(p);
    if (id < 0) {
      throw new Error(
        `unknown part ${JSON.stringify(p)}; parts are ${FACE_PARTS.map((q) => `'${q}'`).join(' | ')}`,
      );
    }
    return id;
  });
}

/**
 * The 19 labels of the CelebAMask-HQ face parser (BiSeNet of `face-parsing.PyTorch`), indexed
 * by label id, in the parser's order (spec §7.1). `left_*` / `right_*` are the parts on the
 * image's left / right side. The face parser of this package writes these ids.
 *
 * @example
 * ```ts doctest
 * import { CELEBAMASK_LABELS } from '@patchfx/segment';
 * CELEBAMASK_LABELS.length; // => 19
 * CELEBAMASK_LABELS[10]; // => 'nose'
 * ```
 */
export const CELEBAMASK_LABELS = Object.freeze([
  'background',
  'skin',
  'left_brow',
  'right_brow',
  'left_eye',
  'right_eye',
  'eyeglasses',
  'left_ear',
  'right_ear',
  'earring',
  'nose',
  'mouth',
  'upper_lip',
  'lower_lip',
  'neck',
  'necklace',
  'cloth',
  'hair',
  'hat',
] as const);

/** One CelebAMask-HQ parser label. */
export type CelebaMaskLabel = (typeof CELEBAMASK_LABELS)[number];

/**
 * The cluster of each CelebAMask-HQ label: the table of spec §7.1 (ids 2–3 → brows, 4–6 → eye,
 * 7–9 → ear, 11–13 → mouth, 14–15 → neck, 16 → clothes, …).
 *
 * @example
 * ```ts doctest
 * import { CELEBAMASK_CLUSTERS } from '@patchfx/segment';
 * CELEBAMASK_CLUSTERS.eyeglasses; // => 'eye'
 * CELEBAMASK_CLUSTERS.cloth; // => 'clothes'
 * ```
 */
export const CELEBAMASK_CLUSTERS: Readonly<Record<CelebaMaskLabel, FacePart>> = Object.freeze({
  background: 'background',
  skin: 'skin',
  left_brow: 'brows',
  right_brow: 'brows',
  left_eye: 'eye',
  right_eye: 'eye',
  eyeglasses: 'eye',
  left_ear: 'ear',
  right_ear: 'ear',
  earring: 'ear',
  nose: 'nose',
  mouth: 'mouth',
  upper_lip: 'mouth',
  lower_lip: 'mouth',
  neck: 'neck',
  necklace: 'neck',
  cloth: 'clothes',
  hair: 'hair',
  hat: 'hat',
});

/**
 * The cluster a label name belongs to: CelebAMask-HQ labels through
 * {@link CELEBAMASK_CLUSTERS}, cluster names (as the synthetic label maps use) to themselves.
 *
 * @param label - A CelebAMask-HQ label or a cluster name.
 * @returns The cluster name.
 * @throws When `label` is neither; the message lists the accepted names.
 *
 * @example
 * ```ts doctest
 * import { clusterOf } from '@patchfx/segment';
 * clusterOf('upper_lip'); // => 'mouth'
 * clusterOf('hair'); // => 'hair'
 * ```
 */
export function clusterOf(label: string): FacePart {
  if (Object.prototype.hasOwnProperty.call(CELEBAMASK_CLUSTERS, label)) {
    return CELEBAMASK_CLUSTERS[label as CelebaMaskLabel];
  }
  if ((FACE_PARTS as readonly string[]).includes(label)) return label as FacePart;
  throw new Error(
    `unknown part label ${JSON.stringify(label)}; expected a cluster (${FACE_PARTS.join(', ')}) ` +
      `or a CelebAMask-HQ label (${CELEBAMASK_LABELS.join(', ')})`,
  );
}

/**
 * Display colours (RGB 0–255) of the 11 clusters, indexed like {@link FACE_PARTS}.
 *
 * @example
 * ```ts doctest
 * import { FACE_PART_COLORS } from '@patchfx/segment';
 * FACE_PART_COLORS.length; // => 11
 * FACE_PART_COLORS[0]; // => [0, 0, 0]
 * ```
 */
export const FACE_PART_COLORS: readonly (readonly [number, number, number])[] = Object.freeze(
  (
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
    ] as const
  ).map((c) => Object.freeze([...c] as [number, number, number])),
);
