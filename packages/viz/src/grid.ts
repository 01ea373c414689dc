import { assertColor, createImage } from './internal/image.js';
import { pixelImage } from './internal/validate.js';
import type { PixelImage, PixelImageInput, Rgb } from './types.js';

/** Options for {@link imageGrid}. */
export interface GridOptions {
  /**
   * Number of columns.
   * @defaultValue `ceil(√n)`, as the reference's patch grids
   */
  readonly columns?: number;
  /**
   * Pixels between tiles and round the edge.
   * @defaultValue 0
   */
  readonly padding?: number;
  /**
   * Colour of padding and unused cells.
   * @defaultValue [255, 255, 255] (white)
   */
  readonly background?: Rgb;
}

/**
 * Tiles same-size images row by row, as the reference's patch grids do (`*_easiest_grid.jpg`,
 * `cluster_<i>.png`, spec §6 and §7.2): `ceil(√n)` columns, `ceil(n / columns)` rows, no
 * padding, unused cells white.
 *
 * Input shape: `n` images of `[h, w, C]`, all alike. Output shape:
 * `[rows·h + (rows+1)·padding, columns·w + (columns+1)·padding, C]`.
 *
 * @param inputs - At least one image; all must share width, height and channels.
 * @param options - See {@link GridOptions}.
 * @returns A new image.
 * @throws If `images` is empty, the images differ in size or channels, or an option is invalid.
 *
 * @example
 * ```ts doctest
 * import { imageGrid } from '@patchfx/viz';
 * const tile = (v: number) => ({ data: new Uint8Array([v]), width: 1, height: 1, channels: 1 as const });
 * const grid = imageGrid([tile(1), tile(2), tile(3)]);
 * [grid.width, grid.height]; // => [2, 2]
 * Array.from(grid.data); // => [1, 2, 3, 255]
 * ```
 */
export function imageGrid(
  inputs: readonly PixelImageInput[],
  options: GridOptions = {},
): PixelImage {
  if (inputs.length === 0) throw new Error('imageGrid needs at least one image');
  const images = inputs.map((im, i) => pixelImage(im, `images[${i}]`));
  const { width: w, height: h, channels } = images[0];
  images.forEach((im, i) => {
    if (im.width !== w || im.height !== h || im.channels !== channels) {
      throw new Error(
        `images[${i}] is ${im.width}×${im.height}×${im.channels}, but images[0] is ${w}×${h}×${channels}; all tiles must match`,
      );
    }
  });
  const columns = options.columns ?? Math.ceil(Math.sqrt(images.length));
  const padding = options.padding ?? 0;
  const background = options.background ?? ([255, 255, 255] as const);
  if (!Number.isInteger(columns) || columns < 1) {
    throw new Error(`columns must be a positive integer, got ${columns}`);
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new Error(`padding must be an integer ≥ 0, got ${padding}`);
  }
  assertColor(background, 'background');
  const rows = Math.ceil(images.length / columns);
  const width = columns * w + (columns + 1) * padding;
  const height = rows * h + (rows + 1) * padding;
  const out = createImage(width, height, channels, background);
  const rowBytes = w * channels;
  images.forEach((im, i) => {
    const x0 = padding + (i % columns) * (w + padding);
    const y0 = padding + Math.floor(i / columns) * (h + padding);
    for (let y = 0; y < h; y++) {
      const src = im.data.subarray(y * rowBytes, (y + 1) * rowBytes);
      out.data.set(src, ((y0 + y) * width + x0) * channels);
    }
  });
  return out;
}
