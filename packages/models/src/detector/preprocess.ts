/**
 * The detector's preprocessing: the documented evaluation pipeline (Lanczos resize of the
 * shorter side to `loadSize`, centre crop, `(x / 255 − 0.5) / 0.5`), with a record of what was
 * done and the geometry that maps model-input pixels back to the original image.
 */
import {
  centerCropBox,
  evalTransform,
  resolveTransformConfig,
  shorterSideSize,
  type RgbImage,
} from '@patchfx/data';
import type { InputKind } from './input.js';

/** Where the preprocessing size came from. */
export const SIZE_SOURCES = Object.freeze(['options', 'checkpoint', 'opt.yml', 'default'] as const);

/** One of {@link SIZE_SOURCES}. */
export type SizeSource = (typeof SIZE_SOURCES)[number];

/** A box in pixels: rows `[top, bottom)`, columns `[left, right)`. */
export interface PixelBox {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

/** Exactly what was done to an image before the model saw it. JSON-serialisable. */
export interface Preprocessing {
  /** How the input arrived (`'png'`, `'jpeg'`, … for file bytes; `'rgb'`, `'rgba'`, `'tensor'`). */
  readonly input: InputKind;
  /** What became of an alpha channel: `'dropped'` (not composited, as PIL's `convert('RGB')`). */
  readonly alpha: 'dropped' | 'none';
  /** The decoded image's size. */
  readonly originalWidth: number;
  readonly originalHeight: number;
  /** The resampling filter of the resize (PIL-exact Lanczos, a = 3). */
  readonly resample: 'lanczos';
  /** The shorter side after the resize (`--loadSize`). */
  readonly loadSize: number;
  /** The full-image models' crop (`--fineSize`); patch models crop to `loadSize`. */
  readonly fineSize: number;
  /** Where `loadSize`/`fineSize` came from. */
  readonly sizeSource: SizeSource;
  /** Size after the resize. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** The centre crop, in resized pixels (torchvision `CenterCrop`; outside parts are black). */
  readonly crop: { readonly top: number; readonly left: number; readonly size: number };
  /** Side of the square the model sees. */
  readonly inputSize: number;
  /** Normalisation: `(x / scale − mean) / std` on every RGB channel. */
  readonly normalization: { readonly scale: 255; readonly mean: 0.5; readonly std: 0.5 };
}

/** Sizes resolved for one detector. */
export interface ResolvedSizes {
  readonly loadSize: number;
  readonly fineSize: number;
  readonly sizeSource: SizeSource;
}

/**
 * Runs the evaluation transform on an image.
 *
 * @returns The model-input image and the record of what was done.
 */
export async function preprocessImage(
  image: RgbImage,
  kind: InputKind,
  sizes: ResolvedSizes,
  patchModel: boolean,
): Promise<{ input: RgbImage; preprocessing: Preprocessing }> {
  const config = resolveTransformConfig({
    loadSize: sizes.loadSize,
    fineSize: sizes.fineSize,
    patchModel,
  });
  const input = await evalTransform(image, config);
  const [resizedWidth, resizedHeight] = shorterSideSize(image.width, image.height, sizes.loadSize);
  const side = patchModel ? sizes.loadSize : sizes.fineSize;
  const box = centerCropBox(resizedWidth, resizedHeight, side, side);
  if (input.width !== side || input.height !== side) {
    throw new Error(
      `preprocessing gave ${input.width}×${input.height}, expected ${side}×${side} (internal error)`,
    );
  }
  return {
    input,
    preprocessing: {
      input: kind,
      alpha: kind === 'rgba' ? 'dropped' : 'none',
      originalWidth: image.width,
      originalHeight: image.height,
      resample: 'lanczos',
      loadSize: sizes.loadSize,
      fineSize: sizes.fineSize,
      sizeSource: sizes.sizeSource,
      resizedWidth,
      resizedHeight,
      crop: { top: box.top, left: box.left, size: side },
      inputSize: side,
      normalization: { scale: 255, mean: 0.5, std: 0.5 },
    },
  };
}

/**
 * Maps a box in model-input pixels to the original image's pixels: undo the crop, then the
 * resize (pixel edges scale by original / resized size), clipped to the image. The result is in
 * fractional pixels.
 *
 * @param box - A box in model-input pixels (e.g. a `patchWindow`).
 * @param p - The preprocessing record of the image.
 * @returns The box in original pixels.
 *
 * @example
 * ```ts doctest
 * import { boxToOriginal } from '@patchfx/models/detector';
 * const p = { originalWidth: 64, originalHeight: 64, resizedWidth: 128, resizedHeight: 128, crop: { top: 0, left: 0, size: 128 } };
 * boxToOriginal({ top: 10, left: 20, bottom: 30, right: 40 }, p); // => { top: 5, left: 10, bottom: 15, right: 20 }
 * ```
 */
export function boxToOriginal(
  box: PixelBox,
  p: Pick<
    Preprocessing,
    'originalWidth' | 'originalHeight' | 'resizedWidth' | 'resizedHeight' | 'crop'
  >,
): PixelBox {
  const sy = p.originalHeight / p.resizedHeight;
  const sx = p.originalWidth / p.resizedWidth;
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  return {
    top: clip((box.top + p.crop.top) * sy, p.originalHeight),
    left: clip((box.left + p.crop.left) * sx, p.originalWidth),
    bottom: clip((box.bottom + p.crop.top) * sy, p.originalHeight),
    right: clip((box.right + p.crop.left) * sx, p.originalWidth),
  };
}
