/**
 * Resampling that reproduces Pillow 9.4's `Image.resize` on 8-bit RGB: the separable
 * convolution of `Resample.c` (support scaled by the downscale factor, coefficients normalised
 * and rounded to 22-bit fixed point, horizontal pass first with 8-bit rounding in between) for
 * Lanczos (a = 3) and bilinear, and the affine nearest-neighbour mapping for nearest.
 */
import type { RgbImage } from './image.js';

/** Resampling filters of {@link resizeImage} (Pillow's `LANCZOS`, `BILINEAR`, `NEAREST`). */
export const RESAMPLE_FILTERS = Object.freeze(['lanczos', 'bilinear', 'nearest'] as const);
export type ResampleFilter = (typeof RESAMPLE_FILTERS)[number];

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

const FILTERS = {
  lanczos: { support: 3, fn: (x: number) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
  bilinear: {
    support: 1,
    fn: (x: number) => {
      const a = x < 0 ? -x : x;
      return a < 1 ? 1 - a : 0;
    },
  },
};

interface Coeffs {
  ksize: number;
  bounds: Int32Array;
  kk: Int32Array;
}

function precompute(inSize: number, outSize: number, filter: keyof typeof FILTERS): Coeffs {
  const { support: base, fn } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = base * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax && ww !== 0 ? k[x] / ww : x < xmax ? k[x] : 0;
      kk[xx * ksize + x] =
        w < 0
          ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS))
          : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

const clip8 = (ss: number) => {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

function horizontal(
  src: Uint8Array,
  inW: number,
  rowOffset: number,
  rows: number,
  outW: number,
  c: Coeffs,
): Uint8Array {
  const out = new Uint8Array(outW * rows * 3);
  const { ksize, bounds, kk } = c;
  for (let yy = 0; yy < rows; yy++) {
    const rowBase = (yy + rowOffset) * inW * 3;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[2 * xx];
      const xmax = bounds[2 * xx + 1];
      const kb = xx * ksize;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      let p = rowBase + xmin * 3;
      for (let x = 0; x < xmax; x++, p += 3) {
        const w = kk[kb + x];
        s0 += src[p] * w;
        s1 += src[p + 1] * w;
        s2 += src[p + 2] * w;
      }
      const o = (yy * outW + xx) * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return out;
}

function vertical(src: Uint8Array, w: number, outH: number, c: Coeffs, shift: number): Uint8Array {
  const out = new Uint8Array(w * outH * 3);
  const { ksize, bounds, kk } = c;
  const stride = w * 3;
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[2 * yy] - shift;
    const ymax = bounds[2 * yy + 1];
    const kb = yy * ksize;
    acc.fill(HALF);
    for (let y = 0; y < ymax; y++) {
      const wgt = kk[kb + y];
      const base = (ymin + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] += src[base + i] * wgt;
    }
    const o = yy * stride;
    for (let i = 0; i < stride; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}

function nearest(image: RgbImage, outW: number, outH: number): Uint8Array {
  const { width: inW, height: inH, data } = image;
  const a0 = inW / outW;
  const a4 = inH / outH;
  const coord = (v: number) => (v < 0 ? -1 : Math.trunc(v));
  const xin = new Int32Array(outW);
  let xo = a0 * 0.5;
  for (let x = 0; x < outW; x++) {
    xin[x] = Math.min(coord(xo), inW - 1);
    xo += a0;
  }
  const out = new Uint8Array(outW * outH * 3);
  let yo = a4 * 0.5;
  for (let y = 0; y < outH; y++) {
    const yi = Math.min(coord(yo), inH - 1);
    yo += a4;
    for (let x = 0; x < outW; x++) {
      const s = (yi * inW + xin[x]) * 3;
      const d = (y * outW + x) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return out;
}

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`${what} must be a positive integer, got ${v}`);
}

/**
 * Resizes an RGB image to `width × height` exactly as Pillow 9.4's `Image.resize` does
 * (`Image.LANCZOS`, `Image.BILINEAR` or `Image.NEAREST`; no `box`, no `reducing_gap`).
 * Lanczos and bilinear are antialiased on downscale (the kernel widens by the scale factor).
 *
 * @param image - The source image.
 * @param width - Target width in pixels.
 * @param height - Target height in pixels.
 * @param filter - `'lanczos'` (a = 3), `'bilinear'` or `'nearest'`.
 * @returns A new image (a copy when the size is unchanged), owned by the caller.
 * @throws When a size is not a positive integer or `filter` is unknown.
 *
 * @example
 * ```ts doctest
 * import { createImage, resizeImage } from '@patchfx/data';
 * const grey = createImage(4, 4, new Uint8Array(48).fill(100));
 * const big = resizeImage(grey, 9, 7, 'lanczos');
 * [big.width, big.height, big.data[0]]; // => [9, 7, 100]
 * ```
 */
export function resizeImage(
  image: RgbImage,
  width: number,
  height: number,
  filter: ResampleFilter = 'lanczos',
): RgbImage {
  checkSize('width', width);
  checkSize('height', height);
  if (!RESAMPLE_FILTERS.includes(filter)) {
    throw new Error(
      `filter must be one of ${RESAMPLE_FILTERS.map((f) => `'${f}'`).join(' | ')}, got ${JSON.stringify(filter)}`,
    );
  }
  const { width: inW, height: inH } = image;
  if (inW === width && inH === height) return { data: image.data.slice(), width, height };
  if (filter === 'nearest') return { data: nearest(image, width, height), width, height };
  const needH = width !== inW;
  const needV = height !== inH;
  const ch = precompute(inW, width, filter);
  const cv = precompute(inH, height, filter);
  let data = image.data;
  let shift = 0;
  if (needH) {
    const first = needV ? cv.bounds[0] : 0;
    const last = needV ? cv.bounds[height * 2 - 2] + cv.bounds[height * 2 - 1] : inH;
    data = horizontal(data, inW, first, last - first, width, ch);
    shift = first;
  }
  if (needV) data = vertical(data, width, height, cv, shift);
  return { data, width, height };
}

/**
 * The output size of torchvision's `Resize(size)` with an integer `size` (0.5 semantics, as the
 * reference used): the shorter side becomes `size`, the other `int(size · long / short)`.
 *
 * @returns `[width, height]`.
 *
 * @example
 * ```ts doctest
 * import { shorterSideSize } from '@patchfx/data';
 * shorterSideSize(160, 120, 299); // => [398, 299]
 * ```
 */
export function shorterSideSize(width: number, height: number, size: number): [number, number] {
  checkSize('size', size);
  if (width <= height) return [size, Math.trunc((size * height) / width)];
  return [Math.trunc((size * width) / height), size];
}

/**
 * torchvision's `Resize(size)` on a PIL image: the shorter side to `size`, aspect kept; an
 * image whose shorter side already is `size` is returned unchanged (copied).
 *
 * @param image - The source image.
 * @param size - The new shorter side (the reference's `loadSize`).
 * @param filter - Resampling filter. @defaultValue 'lanczos'
 * @returns A new image owned by the caller.
 */
export function resizeShorterSide(
  image: RgbImage,
  size: number,
  filter: ResampleFilter = 'lanczos',
): RgbImage {
  const [w, h] = shorterSideSize(image.width, image.height, size);
  return resizeImage(image, w, h, filter);
}
