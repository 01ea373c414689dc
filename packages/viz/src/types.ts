/**
 * The plain data shapes every @patchfx/viz function works on: pixel images and float patch maps,
 * both row-major, with no DOM and no tensors involved.
 */

/** The byte buffers a {@link PixelImage} may hold (canvas `ImageData.data` is a `Uint8ClampedArray`). */
export type PixelData = Uint8Array | Uint8ClampedArray;

/** Channel counts a {@link PixelImage} may have: gray, RGB or RGBA. */
export const IMAGE_CHANNELS = Object.freeze([1, 3, 4] as const);

/** One of {@link IMAGE_CHANNELS}. */
export type ImageChannels = (typeof IMAGE_CHANNELS)[number];

/**
 * An 8-bit image: `data[(y * width + x) * channels + c]`, row-major, channels interleaved
 * (gray, RGB or RGBA; never BGR).
 */
export interface PixelImage {
  /** `height · width · channels` bytes. */
  readonly data: PixelData;
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA). */
  readonly channels: ImageChannels;
}

/**
 * What functions that read an image take: a {@link PixelImage}, or one without `channels` (an
 * `RgbImage` of `@patchfx/data`, the image a detector's `onModelInput` hands back, a canvas
 * `ImageData`), whose channel count is then `data.length / (width · height)`: 1, 3 or 4.
 */
export interface PixelImageInput {
  /** `height · width · channels` bytes. */
  readonly data: PixelData;
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA). @defaultValue inferred from `data.length` */
  readonly channels?: ImageChannels;
}

/** The numbers a {@link PatchMap} may hold. */
export type MapData = Float32Array | Float64Array | readonly number[];

/**
 * A 2-D map of floats, such as a patch model's P(fake) map: `data[y * width + x]`, row-major.
 * Functions take any {@link MapData}; those that return maps return `PatchMap<Float32Array>`.
 */
export interface PatchMap<D extends MapData = MapData> {
  /** `height · width` values. */
  readonly data: D;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
}

/** Typed arrays and plain arrays accepted as label maps by {@link resizeNearest}. */
export type LabelData =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | number[];

/** A 2-D grid of labels (face-parser classes, cluster ids), row-major. */
export interface LabelMap<D extends LabelData = LabelData> {
  /** `height · width` values. */
  readonly data: D;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
}

/** An output size in pixels (height first, as everywhere in patchfx; OpenCV's `dsize` is (w, h)). */
export interface Size {
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
}

/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [number, number, number];

/**
 * A pixel box: rows `[top, bottom)` and columns `[left, right)`, ends exclusive (the same
 * convention as `PatchWindow` in `@patchfx/models`).
 */
export interface Box {
  /** First row. */
  readonly top: number;
  /** First column. */
  readonly left: number;
  /** One past the last row. */
  readonly bottom: number;
  /** One past the last column. */
  readonly right: number;
}
