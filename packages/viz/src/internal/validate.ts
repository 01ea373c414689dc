import {
  IMAGE_CHANNELS,
  type ImageChannels,
  type LabelMap,
  type PatchMap,
  type PixelImage,
  type PixelImageInput,
  type Size,
} from '../types.js';

/** Throws unless `n` is a positive integer. */
export function assertPositiveInt(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${what} must be a positive integer, got ${n}`);
  }
}

/** Throws unless `size` has positive integer height and width. */
export function assertSize(size: Size, what = 'size'): void {
  assertPositiveInt(size.height, `${what}.height`);
  assertPositiveInt(size.width, `${what}.width`);
}

/** Throws unless `image` is a consistent {@link PixelImage} (optionally with allowed channels). */
export function assertImage(
  image: PixelImage,
  what = 'image',
  channels: readonly ImageChannels[] = IMAGE_CHANNELS,
): void {
  assertPositiveInt(image.width, `${what}.width`);
  assertPositiveInt(image.height, `${what}.height`);
  if (!channels.includes(image.channels)) {
    throw new Error(
      `${what}.channels must be one of ${channels.join(' | ')}, got ${String(image.channels)}`,
    );
  }
  if (!(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)) {
    throw new Error(`${what}.data must be a Uint8Array or Uint8ClampedArray`);
  }
  const n = image.width * image.height * image.channels;
  if (image.data.length !== n) {
    throw new Error(
      `${what}.data has ${image.data.length} bytes, expected ${image.height}·${image.width}·${image.channels} = ${n}`,
    );
  }
}

/**
 * The image as a {@link PixelImage}: `channels` as given, or inferred from the data length
 * when left out; then checked as {@link assertImage} does. Shares `data`.
 */
export function pixelImage(
  image: PixelImageInput,
  what = 'image',
  channels: readonly ImageChannels[] = IMAGE_CHANNELS,
): PixelImage {
  let c = image.channels;
  if (c === undefined) {
    assertPositiveInt(image.width, `${what}.width`);
    assertPositiveInt(image.height, `${what}.height`);
    const n = image.width * image.height;
    const length = image.data?.length;
    c = IMAGE_CHANNELS.find((k) => k * n === length);
    if (c === undefined) {
      throw new Error(
        `${what}.data has ${String(length)} bytes: ${image.height}·${image.width} pixels of 1 (gray), 3 (RGB) or 4 (RGBA) bytes are ${n}, ${3 * n} or ${4 * n}`,
      );
    }
  }
  const out: PixelImage = {
    data: image.data,
    width: image.width,
    height: image.height,
    channels: c,
  };
  assertImage(out, what, channels);
  return out;
}

/** Throws unless `map` is a consistent {@link PatchMap} or {@link LabelMap}. */
export function assertMap(map: PatchMap | LabelMap, what = 'map'): void {
  assertPositiveInt(map.height, `${what}.height`);
  assertPositiveInt(map.width, `${what}.width`);
  const n = map.height * map.width;
  if (map.data.length !== n) {
    throw new Error(
      `${what}.data has ${map.data.length} values, expected ${map.height}·${map.width} = ${n}`,
    );
  }
}

/** Throws unless `x` is a finite number within [lo, hi]. */
export function assertInRange(x: number, lo: number, hi: number, what: string): void {
  if (!(Number.isFinite(x) && x >= lo && x <= hi)) {
    throw new Error(`${what} must be a number in [${lo}, ${hi}], got ${x}`);
  }
}
