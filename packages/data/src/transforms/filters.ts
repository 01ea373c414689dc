/**
 * Pixel filters used by the augmentations and test-time perturbations: Gaussian and box blur,
 * gamma, brightness/contrast, JPEG re-compression and resize-then-back. All take and return
 * 8-bit RGB; results are rounded to the nearest integer and clipped to 0…255.
 */
import { decodeJpeg, encodeJpeg } from '../decode/jpeg.js';
import type { RgbImage } from '../image.js';
import { resizeImage, type ResampleFilter } from '../resize.js';

const clamp255 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** Index into [0, n) with reflection: `'reflect'` is scipy's (d c b a | a b c d), `'reflect101'` OpenCV's default (d c b | a b c d). */
function reflectIndex(i: number, n: number, mode: 'reflect' | 'reflect101'): number {
  if (n === 1) return 0;
  for (;;) {
    if (i < 0) i = mode === 'reflect' ? -i - 1 : -i;
    else if (i >= n) i = mode === 'reflect' ? 2 * n - 1 - i : 2 * n - 2 - i;
    else return i;
  }
}

function separable(
  image: RgbImage,
  kernel: Float64Array,
  anchor: number,
  mode: 'reflect' | 'reflect101',
): RgbImage {
  const { width: w, height: h, data } = image;
  const k = kernel.length;
  const tmp = new Float64Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let t = 0; t < k; t++) {
        const p = (y * w + reflectIndex(x + t - anchor, w, mode)) * 3;
        s0 += data[p] * kernel[t];
        s1 += data[p + 1] * kernel[t];
        s2 += data[p + 2] * kernel[t];
      }
      const o = (y * w + x) * 3;
      tmp[o] = s0;
      tmp[o + 1] = s1;
      tmp[o + 2] = s2;
    }
  }
  const out = new Uint8Array(w * h * 3);
  const stride = w * 3;
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < stride; i++) {
      let s = 0;
      for (let t = 0; t < k; t++)
        s += tmp[reflectIndex(y + t - anchor, h, mode) * stride + i] * kernel[t];
      out[y * stride + i] = clamp255(s);
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * Gaussian blur per channel as `scipy.ndimage.gaussian_filter(x, sigma)` computes it (kernel
 * radius `int(4σ + 0.5)`, mode `'reflect'`), rounded to 8 bits. `sigma = 0` returns a copy.
 *
 * @param sigma - Standard deviation in pixels, ≥ 0.
 * @returns A new image owned by the caller.
 */
export function gaussianBlur(image: RgbImage, sigma: number): RgbImage {
  if (!(sigma >= 0)) throw new Error(`sigma must be ≥ 0, got ${sigma}`);
  const radius = Math.trunc(4 * sigma + 0.5);
  if (sigma === 0 || radius === 0) return { ...image, data: image.data.slice() };
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    sum += kernel[i + radius];
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return separable(image, kernel, radius, 'reflect');
}

/**
 * Box (mean) blur with a `k × k` kernel, as OpenCV's `cv2.blur(x, (k, k))` (anchor at
 * `floor(k / 2)`, border `BORDER_REFLECT_101`), rounded to 8 bits. `k = 1` returns a copy.
 *
 * @param k - Kernel size in pixels, a positive integer.
 * @returns A new image owned by the caller.
 */
export function boxBlur(image: RgbImage, k: number): RgbImage {
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`box blur kernel must be a positive integer, got ${k}`);
  if (k === 1) return { ...image, data: image.data.slice() };
  return separable(image, new Float64Array(k).fill(1 / k), Math.floor(k / 2), 'reflect101');
}

/**
 * Gamma correction `255 · (x / 255)^gamma` through a look-up table, rounded.
 *
 * @param gamma - Exponent > 0 (the reference's `--test_gamma G` means `gamma = G / 100`).
 * @returns A new image owned by the caller.
 */
export function adjustGamma(image: RgbImage, gamma: number): RgbImage {
  if (!(gamma > 0)) throw new Error(`gamma must be > 0, got ${gamma}`);
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = clamp255(255 * Math.pow(i / 255, gamma));
  return applyLut(image, lut);
}

/**
 * Brightness/contrast as albumentations' `RandomBrightnessContrast` applies a drawn pair:
 * `x · alpha + beta · 255`, rounded and clipped.
 *
 * @param alpha - Contrast factor (1 = unchanged).
 * @param beta - Brightness shift as a fraction of 255 (0 = unchanged).
 * @returns A new image owned by the caller.
 */
export function adjustBrightnessContrast(image: RgbImage, alpha: number, beta: number): RgbImage {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = clamp255(i * alpha + beta * 255);
  return applyLut(image, lut);
}

function applyLut(image: RgbImage, lut: Uint8Array): RgbImage {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = lut[image.data[i]];
  return { data: out, width: image.width, height: image.height };
}

/**
 * Saves the image as a JPEG at `quality` (4:2:0, standard tables) and decodes it again.
 *
 * @param quality - JPEG quality, an integer in 1…100.
 * @returns A new image owned by the caller.
 */
export async function jpegRecompress(image: RgbImage, quality: number): Promise<RgbImage> {
  return decodeJpeg(await encodeJpeg(image, quality), `<jpeg q${quality}>`);
}

/**
 * Resizes by `factor` (each side `max(1, round(side · factor))`) and back to the original
 * size, with the same filter both ways: the "resize" robustness perturbation.
 *
 * @param factor - Scale factor > 0 (e.g. 0.5: down to half and back up).
 * @returns A new image owned by the caller.
 */
export function resizeRoundTrip(
  image: RgbImage,
  factor: number,
  filter: ResampleFilter = 'lanczos',
): RgbImage {
  if (!(factor > 0)) throw new Error(`resize factor must be > 0, got ${factor}`);
  const w = Math.max(1, Math.round(image.width * factor));
  const h = Math.max(1, Math.round(image.height * factor));
  return resizeImage(resizeImage(image, w, h, filter), image.width, image.height, filter);
}
