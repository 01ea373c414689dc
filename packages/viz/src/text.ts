import { GLYPH_ADVANCE, GLYPH_ASCENT, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './internal/font.js';
import { assertColor, cloneImage, setPixel } from './internal/image.js';
import { assertPositiveInt, pixelImage } from './internal/validate.js';
import type { PixelImage, PixelImageInput, Rgb } from './types.js';

/** Options for {@link drawText}. */
export interface TextOptions {
  /**
   * Left edge of the first glyph, in pixels.
   * @defaultValue 0
   */
  readonly x?: number;
  /**
   * Baseline row: the bottom row of capitals and digits (descenders go below it), like the
   * origin of OpenCV's `putText`.
   * @defaultValue 20
   */
  readonly y?: number;
  /**
   * Ink colour.
   * @defaultValue [255, 255, 255]
   */
  readonly color?: Rgb;
  /**
   * Integer magnification of the 5×9 glyphs (scale 1: capitals are 7 px tall, 6 px per character).
   * @defaultValue 1
   */
  readonly scale?: number;
}

/** Defaults of {@link TextOptions}. */
export const DEFAULT_TEXT_OPTIONS = Object.freeze({
  x: 0,
  y: 20,
  color: Object.freeze([255, 255, 255] as const),
  scale: 1,
});

/**
 * The pixel size of a text line in the built-in bitmap font.
 *
 * @param text - One line of text.
 * @param scale - Glyph magnification (positive integer).
 * @returns `{ width, ascent, descent }` in pixels: capitals fill `ascent` rows ending on the
 *   baseline row; descenders take `descent` more rows below it.
 *
 * @example
 * ```ts doctest
 * import { measureText } from '@patchfx/viz';
 * measureText('p(real)=0.87'); // => { width: 71, ascent: 7, descent: 2 }
 * ```
 */
export function measureText(
  text: string,
  scale = 1,
): { width: number; ascent: number; descent: number } {
  assertPositiveInt(scale, 'scale');
  const n = Array.from(text).length;
  return {
    width: n === 0 ? 0 : ((n - 1) * GLYPH_ADVANCE + GLYPH_WIDTH) * scale,
    ascent: GLYPH_ASCENT * scale,
    descent: (GLYPH_HEIGHT - GLYPH_ASCENT) * scale,
  };
}

/** Draws `text` into `image` in place (used by the overlay, which owns its buffer). */
export function drawTextInPlace(image: PixelImage, text: string, options: TextOptions = {}): void {
  const x0 = Math.round(options.x ?? DEFAULT_TEXT_OPTIONS.x);
  const baseline = Math.round(options.y ?? DEFAULT_TEXT_OPTIONS.y);
  const color = options.color ?? DEFAULT_TEXT_OPTIONS.color;
  const scale = options.scale ?? DEFAULT_TEXT_OPTIONS.scale;
  assertColor(color, 'color');
  assertPositiveInt(scale, 'scale');
  const top = baseline - GLYPH_ASCENT * scale + 1;
  let cx = x0;
  for (const ch of text) {
    const bits = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!bits[gy * GLYPH_WIDTH + gx]) continue;
        for (let sy = 0; sy < scale; sy++) {
          const y = top + gy * scale + sy;
          if (y < 0 || y >= image.height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const x = cx + gx * scale + sx;
            if (x >= 0 && x < image.width) setPixel(image, y * image.width + x, color);
          }
        }
      }
    }
    cx += GLYPH_ADVANCE * scale;
  }
}

/**
 * Draws one line of text with the built-in 5×9 bitmap font (digits, Latin letters and
 * `()[]=.,:;-+_%/<>?!#*'"|~`; other characters show as a box). Ink outside the image is
 * clipped. The reference draws its `p(real)=…` labels with OpenCV's Hershey font, whose
 * glyphs this does not try to reproduce; position and colour follow it.
 *
 * Input shape: `[height, width, channels]`. Output shape: the same.
 *
 * @param input - Any image (gray images take the colour's first channel).
 * @param text - One line of text.
 * @param options - See {@link TextOptions}.
 * @returns A new image; `input` is not changed.
 * @throws If the image, colour or scale is malformed.
 *
 * @example
 * ```ts doctest
 * import { drawText } from '@patchfx/viz';
 * const black = { data: new Uint8Array(12 * 10), width: 12, height: 10, channels: 1 as const };
 * const out = drawText(black, '1', { x: 0, y: 8, color: [255, 255, 255] });
 * out.data[2 * 12 + 2]; // => 255
 * black.data[2 * 12 + 2]; // => 0
 * ```
 */
export function drawText(
  input: PixelImageInput,
  text: string,
  options: TextOptions = {},
): PixelImage {
  const image = pixelImage(input);
  const out = cloneImage(image);
  drawTextInPlace(out, text, options);
  return out;
}
