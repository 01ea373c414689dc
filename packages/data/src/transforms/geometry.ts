/**
 * Crops and flips with torchvision 0.5 semantics on PIL images (the reference's versions):
 * centre crop with Python's round-half-to-even, random crop, `RandomResizedCrop.get_params`,
 * horizontal flip.
 */
import type { RgbImage } from '../image.js';
import type { Rng } from '../random.js';
import { resizeImage, type ResampleFilter } from '../resize.js';

/** A crop box: top-left corner and size, in pixels. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** Python 3's `round()`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Cuts `box` out of `image` like PIL's `Image.crop`: parts of the box outside the image are
 * black.
 *
 * @returns A new image of size `box.width × box.height`, owned by the caller.
 * @throws When the box size is not positive.
 */
export function cropImage(image: RgbImage, box: CropBox): RgbImage {
  const { top, left, width, height } = box;
  if (!(width >= 1 && height >= 1) || !Number.isInteger(width) || !Number.isInteger(height)) {
    throw new Error(`crop size must be positive integers, got ${width}×${height}`);
  }
  const out = new Uint8Array(width * height * 3);
  const x0 = Math.max(0, left);
  const x1 = Math.min(image.width, left + width);
  for (let y = 0; y < height; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= image.height || x1 <= x0) continue;
    const src = (sy * image.width + x0) * 3;
    out.set(image.data.subarray(src, src + (x1 - x0) * 3), (y * width + (x0 - left)) * 3);
  }
  return { data: out, width, height };
}

/**
 * The box of torchvision's `CenterCrop((h, w))`: `top = round((H − h) / 2)`,
 * `left = round((W − w) / 2)` with Python's round-half-to-even.
 *
 * @example
 * ```ts doctest
 * import { centerCropBox } from '@patchfx/data';
 * centerCropBox(5, 5, 2, 2); // => { top: 2, left: 2, height: 2, width: 2 }
 * centerCropBox(7, 7, 2, 2); // => { top: 2, left: 2, height: 2, width: 2 }
 * ```
 */
export function centerCropBox(
  imageWidth: number,
  imageHeight: number,
  width: number,
  height: number,
): CropBox {
  return {
    top: roundHalfEven((imageHeight - height) / 2),
    left: roundHalfEven((imageWidth - width) / 2),
    height,
    width,
  };
}

/**
 * torchvision's `CenterCrop(size)`; a crop larger than the image is padded with black (PIL).
 *
 * @param size - Side of a square crop, or `[width, height]`.
 * @returns A new image owned by the caller.
 */
export function centerCrop(image: RgbImage, size: number | readonly [number, number]): RgbImage {
  const [w, h] = typeof size === 'number' ? [size, size] : size;
  return cropImage(image, centerCropBox(image.width, image.height, w, h));
}

/**
 * torchvision's `RandomCrop(size)` (no padding): `top = randint(0, H − h)`,
 * `left = randint(0, W − w)`, drawn in that order.
 *
 * @returns A new image owned by the caller.
 * @throws When the image is smaller than the crop.
 */
export function randomCrop(image: RgbImage, size: number, rng: Rng): RgbImage {
  if (image.width < size || image.height < size) {
    throw new Error(
      `random crop of ${size}×${size} needs an image at least that large, got ${image.width}×${image.height} (set loadSize ≥ fineSize)`,
    );
  }
  if (image.width === size && image.height === size)
    return cropImage(image, { top: 0, left: 0, width: size, height: size });
  const top = rng.int(0, image.height - size);
  const left = rng.int(0, image.width - size);
  return cropImage(image, { top, left, width: size, height: size });
}

/** Options of {@link randomResizedCropBox}. */
export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image. @defaultValue [0.08, 1] */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h (sampled log-uniformly). @defaultValue [3/4, 4/3] */
  readonly ratio?: readonly [number, number];
}

/**
 * torchvision 0.5's `RandomResizedCrop.get_params`: up to 10 attempts of
 * `area = U(scale) · W·H`, `ratio = exp(U(log ratio))`, `w = round(√(area·ratio))`,
 * `h = round(√(area/ratio))`; accepted when it fits, then `top = randint(0, H − h)`,
 * `left = randint(0, W − w)`. Otherwise the fallback: the largest centred crop whose ratio is
 * clamped to `ratio`.
 *
 * @returns The crop box.
 */
export function randomResizedCropBox(
  imageWidth: number,
  imageHeight: number,
  rng: Rng,
  options: RandomResizedCropOptions = {},
): CropBox {
  const [s0, s1] = options.scale ?? [0.08, 1];
  const [r0, r1] = options.ratio ?? [3 / 4, 4 / 3];
  const area = imageWidth * imageHeight;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = rng.uniform(s0, s1) * area;
    const aspect = Math.exp(rng.uniform(Math.log(r0), Math.log(r1)));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= imageWidth && h > 0 && h <= imageHeight) {
      const top = rng.int(0, imageHeight - h);
      const left = rng.int(0, imageWidth - w);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = imageWidth / imageHeight;
  let w: number;
  let h: number;
  if (inRatio < Math.min(r0, r1)) {
    w = imageWidth;
    h = roundHalfEven(w / Math.min(r0, r1));
  } else if (inRatio > Math.max(r0, r1)) {
    h = imageHeight;
    w = roundHalfEven(h * Math.max(r0, r1));
  } else {
    w = imageWidth;
    h = imageHeight;
  }
  return {
    top: Math.floor((imageHeight - h) / 2),
    left: Math.floor((imageWidth - w) / 2),
    height: h,
    width: w,
  };
}

/**
 * torchvision's `RandomResizedCrop(size, interpolation)`: {@link randomResizedCropBox}, crop,
 * resize to `size × size`.
 *
 * @returns A new image owned by the caller.
 */
export function randomResizedCrop(
  image: RgbImage,
  size: number,
  rng: Rng,
  filter: ResampleFilter = 'lanczos',
  options: RandomResizedCropOptions = {},
): RgbImage {
  const box = randomResizedCropBox(image.width, image.height, rng, options);
  return resizeImage(cropImage(image, box), size, size, filter);
}

/**
 * Mirrors an image left–right.
 *
 * @returns A new image owned by the caller.
 *
 * @example
 * ```ts doctest
 * import { createImage, flipHorizontal } from '@patchfx/data';
 * const img = createImage(2, 1, new Uint8Array([1, 2, 3, 4, 5, 6]));
 * Array.from(flipHorizontal(img).data); // => [4, 5, 6, 1, 2, 3]
 * ```
 */
export function flipHorizontal(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { data: out, width, height };
}
