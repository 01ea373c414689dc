/**
 * The values a {@link Detector} returns and the options it takes, in a module of their own so that
 * the detector and its report both import them without importing each other.
 */
import type { RgbImage } from '@patchfx/data';
import type { AverageMode } from '@patchfx/metrics';
import type { PatchWindow, ReceptiveField } from '../receptive-field.js';
import type { DecisionBand, DetectorLabel } from './decision.js';
import type { PartShare, PatchPart, SegmenterLike } from './parts.js';
import type { PixelBox, Preprocessing } from './preprocess.js';

/** A per-patch probability map, row-major (`data[i · width + j]`). The `PatchMap` of `@patchfx/viz`. */
export interface ProbabilityMap {
  /** `height · width` values of P(fake). */
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
}

/** What `detect` returns. Plain values: nothing to dispose. */
export interface Detection {
  /** P(fake) of the image: the patch map aggregated by `averageMode`. */
  readonly score: number;
  /** The decision: `'fake'`, `'real'` or `'unsure'` (see `decision`). */
  readonly label: DetectorLabel;
  /** P(fake) per patch, or `null` for a full-image model (which has no patch map). */
  readonly patchMap: ProbabilityMap | null;
  /** How the patch map became `score`. */
  readonly averageMode: AverageMode;
  /** Exactly what was done to the image before the model saw it. */
  readonly preprocessing: Preprocessing;
  /** The rule that gave `label`. */
  readonly decision: DecisionBand;
}

/** One explained patch. */
export interface ExplainedPatch {
  /** 1 = the strongest. */
  readonly rank: number;
  /** Row and column in the patch map. */
  readonly row: number;
  readonly col: number;
  /** P(fake) of this patch. */
  readonly score: number;
  /**
   * The patch's receptive-field window in model-input pixels (`patchWindow` of this model at
   * this input size): clipped box plus the unclipped start and side.
   */
  readonly window: PatchWindow;
  /** The clipped window mapped back to the original image, in (fractional) pixels. */
  readonly originalBox: PixelBox;
  /**
   * The face part by the reference's cluster rule (spec §7.2; what the reference's part
   * histograms count): the part whose own area lies most inside the window, which favours small
   * parts — a window of 22 % clothes and 0.1 % mouth is 'mouth' when it holds the whole mouth.
   * `null` without a segmenter.
   */
  readonly part: PatchPart | null;
  /**
   * Every part in the window with its share of the window's pixels, largest first (empty
   * without a segmenter). What an app shows: "62 % skin, 35 % clothes, 1 % mouth".
   */
  readonly parts: readonly PartShare[];
  /** The part that fills most of the window (`parts[0]`), or `null` without a segmenter. */
  readonly dominantPart: PartShare | null;
}

/** Per-call options of `detect`, and through {@link ExplainOptions} of `explain` and `report`. */
export interface DetectOptions {
  /**
   * Called once the model has run, with the 8-bit RGB image it ran on: the input after the
   * resize and centre crop, before normalisation (`preprocessing.inputSize` pixels square).
   * It lets an app show what the model saw without decoding and resizing the image a second
   * time. The image is a new one, the caller's to keep; it holds no tensor.
   * @defaultValue none
   */
  readonly onModelInput?: (image: RgbImage) => void;
}

/** Per-call options of `explain` and `report`. */
export interface ExplainOptions extends DetectOptions {
  /**
   * How many patches to return (at most the number of patches).
   * @defaultValue the detector's `topk` (5)
   */
  readonly topk?: number;
  /**
   * Rank patches by P(fake) (`'fake'`: what looks generated) or by P(real).
   * @defaultValue 'fake'
   */
  readonly target?: 'fake' | 'real';
  /** A face-part segmenter (e.g. `createSegmenter()` of `@patchfx/segment`); none: no parts. */
  readonly segmenter?: SegmenterLike;
  /**
   * Maps a segmenter label to the reported part name, e.g. `clusterOf` of `@patchfx/segment`
   * for the reference's 11 clusters (`left_eye` → `eye`).
   */
  readonly partGroup?: (label: string) => string;
}

/** What `explain` returns: the detection plus its strongest patches. */
export interface Explanation extends Detection {
  readonly patches: readonly ExplainedPatch[];
  /** The receptive field of the patches. */
  readonly receptiveField: ReceptiveField;
  /** Whether parts were assigned (a segmenter was given). */
  readonly segmented: boolean;
  /** What the patches were ranked by. */
  readonly target: 'fake' | 'real';
}
