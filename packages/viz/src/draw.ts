import { assertColor, cloneImage, fillRectInPlace } from './internal/image.js';
import { assertPositiveInt, pixelImage } from './internal/validate.js';
import type { Box, PixelImage, PixelImageInput, Rgb } from './types.js';

/** Yellow, the colour of the reference's patch boxes and blurred-overlay contours. */
export const YELLOW: Rgb = Object.freeze([255, 255, 0] as const);
/** Border colour of a correctly classified image (spec §4.4). */
export const GREEN: Rgb = Object.freeze([0, 255, 0] as const);
/** Border colour of a misclassified image (spec §4.4). */
export const RED: Rgb = Object.freeze([255, 0, 0] as const);

/** Options for {@link drawRect} and {@link drawBorder}. */
export interface RectOptions {
  /**
   * Line colour.
   * @defaultValue {@link YELLOW} for `drawRect`; `drawBorder` has no default colour.
   */
  readonly color?: Rgb;
  /**
   * Line width in pixels, drawn inside the box.
   * @defaultValue 1 for `drawRect`, 2 for `drawBorder`
   */
  readonly thickness?: number;
}

/** Draws a rectangle outline into `image` in place; see {@link drawRect}. */
export function drawRectInPlace(image: PixelImage, box: Box, color: Rgb, thickness: number): void {
  const { top, left, bottom, right } = box;
  const t = thickness;
  fillRectInPlace(image, top, left, Math.min(bottom, top + t), right, color);
  fillRectInPlace(image, Math.max(top, bottom - t), left, bottom, right, color);
  fillRectInPlace(image, top, left, bottom, Math.min(right, left + t), color);
  fillRectInPlace(image, top, Math.max(left, right - t), bottom, right, color);
}

/**
 * Draws the outline of a box (a patch's receptive field, say), `thickness` pixels wide, on the
 * inside of the box; parts outside the image are clipped. The histogram notebook draws the top
 * patch's box in yellow with thickness 3 (spec §7.3).
 *
 * Input shape: `[height, width, channels]`. Output shape: the same.
 *
 * @param input - Any image.
 * @param box - Rows `[top, bottom)` and columns `[left, right)`, e.g. a `PatchWindow`.
 * @param options - See {@link RectOptions}.
 * @returns A new image; `input` is not changed.
 * @throws If the image, colour or thickness is malformed.
 *
 * @example
 * ```ts doctest
 * import { drawRect } from '@patchfx/viz';
 * const img = { data: new Uint8Array(5 * 5), width: 5, height: 5, channels: 1 as const };
 * const out = drawRect(img, { top: 1, left: 1, bottom: 4, right: 4 }, { color: [9, 9, 9] });
 * Array.from(out.data.subarray(5, 10)); // => [0, 9, 9, 9, 0]
 * Array.from(out.data.subarray(10, 15)); // => [0, 9, 0, 9, 0]
 * ```
 */
export function drawRect(input: PixelImageInput, box: Box, options: RectOptions = {}): PixelImage {
  const image = pixelImage(input);
  const color = options.color ?? YELLOW;
  const thickness = options.thickness ?? 1;
  assertColor(color, 'color');
  assertPositiveInt(thickness, 'thickness');
  const out = cloneImage(image);
  drawRectInPlace(out, box, color, thickness);
  return out;
}

/**
 * Draws a frame round the whole image, `thickness` pixels wide: the green/red correctness
 * border of the reference's patch overlays (2 px, spec §4.4).
 *
 * Input shape: `[height, width, channels]`. Output shape: the same.
 *
 * @param image - Any image.
 * @param options - `color` (required) and `thickness` (default 2).
 * @returns A new image; `image` is not changed.
 * @throws If the colour is missing or malformed.
 *
 * @example
 * ```ts doctest
 * import { drawBorder, GREEN } from '@patchfx/viz';
 * const img = { data: new Uint8Array(6 * 6 * 3), width: 6, height: 6, channels: 3 as const };
 * const out = drawBorder(img, { color: GREEN });
 * Array.from(out.data.subarray(0, 3)); // => [0, 255, 0]
 * Array.from(out.data.subarray((2 * 6 + 2) * 3, (2 * 6 + 2) * 3 + 3)); // => [0, 0, 0]
 * ```
 */
export function drawBorder(
  image: PixelImageInput,
  options: RectOptions & { color: Rgb },
): PixelImage {
  return drawRect(
    image,
    { top: 0, left: 0, bottom: image.height, right: image.width },
    { color: options.color, thickness: options.thickness ?? 2 },
  );
}
