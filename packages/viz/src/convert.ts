import { truncByte } from './internal/float.js';
import { toRgbBytes } from './internal/image.js';
import { assertPositiveInt, pixelImage } from './internal/validate.js';
import {
  IMAGE_CHANNELS,
  type ImageChannels,
  type PixelImage,
  type PixelImageInput,
} from './types.js';

/** Value ranges of float pixels: `[-1, 1]` (model input), `[0, 1]`, or `[0, 255]`. */
export const PIXEL_RANGES = Object.freeze(['signed', 'unit', 'byte'] as const);

/** One of {@link PIXEL_RANGES}. */
export type PixelRange = (typeof PIXEL_RANGES)[number];

/** Memory layouts of float pixels: channels last (TF.js, NHWC) or first (PyTorch, CHW). */
export const PIXEL_LAYOUTS = Object.freeze(['hwc', 'chw'] as const);

/** One of {@link PIXEL_LAYOUTS}. */
export type PixelLayout = (typeof PIXEL_LAYOUTS)[number];

/** Options for {@link imageFromFloats}. */
export interface FloatImageOptions {
  /**
   * Value range of the input.
   * @defaultValue 'signed'
   */
  readonly range?: PixelRange;
  /**
   * Memory layout of the input.
   * @defaultValue 'hwc'
   */
  readonly layout?: PixelLayout;
}

/**
 * Converts float pixels to bytes as the reference saves model inputs and patches: `'signed'`
 * maps [-1, 1] by `(x + 1)·127.5`, `'unit'` maps [0, 1] by `x·255`, `'byte'` keeps the value;
 * then clamp to [0, 255] and truncate toward zero (NaN → 0). The reference's
 * `(x·0.5 + 0.5)·255` and `x·127.5 + 127.5` are the same map up to float rounding.
 *
 * Input shape: `[height, width, channels]` (`'hwc'`) or `[channels, height, width]` (`'chw'`).
 * Output shape: `[height, width, channels]`.
 *
 * @param data - `height · width · channels` values.
 * @param shape - Height, width and channels (1, 3 or 4).
 * @param options - See {@link FloatImageOptions}.
 * @returns A new image.
 * @throws If the data length does not match the shape or an option is unknown.
 *
 * @example
 * ```ts doctest
 * import { imageFromFloats } from '@patchfx/viz';
 * const img = imageFromFloats([-1, 0, 1], { height: 1, width: 3, channels: 1 });
 * Array.from(img.data); // => [0, 127, 255]
 * ```
 */
export function imageFromFloats(
  data: ArrayLike<number>,
  shape: { readonly height: number; readonly width: number; readonly channels: ImageChannels },
  options: FloatImageOptions = {},
): PixelImage {
  const { height, width, channels } = shape;
  assertPositiveInt(height, 'height');
  assertPositiveInt(width, 'width');
  if (!IMAGE_CHANNELS.includes(channels)) {
    throw new Error(
      `channels must be one of ${IMAGE_CHANNELS.join(' | ')}, got ${String(channels)}`,
    );
  }
  const range = options.range ?? 'signed';
  const layout = options.layout ?? 'hwc';
  if (!PIXEL_RANGES.includes(range)) {
    throw new Error(
      `range must be one of ${PIXEL_RANGES.map((r) => `'${r}'`).join(' | ')}, got '${String(range)}'`,
    );
  }
  if (!PIXEL_LAYOUTS.includes(layout)) {
    throw new Error(
      `layout must be one of ${PIXEL_LAYOUTS.map((r) => `'${r}'`).join(' | ')}, got '${String(layout)}'`,
    );
  }
  const n = height * width;
  if (data.length !== n * channels) {
    throw new Error(
      `data has ${data.length} values, expected ${height}·${width}·${channels} = ${n * channels}`,
    );
  }
  const scale =
    range === 'signed'
      ? (x: number) => (x + 1) * 127.5
      : range === 'unit'
        ? (x: number) => x * 255
        : (x: number) => x;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < channels; c++) {
      const v = layout === 'hwc' ? data[p * channels + c] : data[c * n + p];
      out[p * channels + c] = truncByte(scale(v));
    }
  }
  return { data: out, width, height, channels };
}

/**
 * Converts any image to RGB (gray is replicated, alpha dropped).
 *
 * Input shape: `[h, w, 1 | 3 | 4]`. Output shape: `[h, w, 3]`.
 *
 * @param input - The image.
 * @returns A new RGB image.
 *
 * @example
 * ```ts doctest
 * import { toRgb } from '@patchfx/viz';
 * Array.from(toRgb({ data: new Uint8Array([7]), width: 1, height: 1, channels: 1 }).data); // => [7, 7, 7]
 * ```
 */
export function toRgb(input: PixelImageInput): PixelImage {
  const image = pixelImage(input);
  return { data: toRgbBytes(image), width: image.width, height: image.height, channels: 3 };
}

/**
 * Converts any image to RGBA with opaque alpha where there was none, e.g. for a canvas
 * `ImageData` (`new ImageData(new Uint8ClampedArray(rgba.data), rgba.width)`).
 *
 * Input shape: `[h, w, 1 | 3 | 4]`. Output shape: `[h, w, 4]`.
 *
 * @param input - The image.
 * @returns A new RGBA image.
 *
 * @example
 * ```ts doctest
 * import { toRgba } from '@patchfx/viz';
 * Array.from(toRgba({ data: new Uint8Array([1, 2, 3]), width: 1, height: 1, channels: 3 }).data); // => [1, 2, 3, 255]
 * ```
 */
export function toRgba(input: PixelImageInput): PixelImage {
  const image = pixelImage(input);
  const n = image.width * image.height;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const o = i * image.channels;
    if (image.channels === 1) {
      out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = image.data[o];
      out[i * 4 + 3] = 255;
    } else {
      out[i * 4] = image.data[o];
      out[i * 4 + 1] = image.data[o + 1];
      out[i * 4 + 2] = image.data[o + 2];
      out[i * 4 + 3] = image.channels === 4 ? image.data[o + 3] : 255;
    }
  }
  return { data: out, width: image.width, height: image.height, channels: 4 };
}
