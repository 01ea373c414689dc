/**
 * RGB bytes → float32 in [-1, 1] (torchvision `ToTensor` then `Normalize(0.5, 0.5)`), NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../image.js';

/** `(fround(v / 255) − 0.5) / 0.5` for every byte value v. */
const NORMALIZED = Float32Array.from({ length: 256 }, (_, v) => (Math.fround(v / 255) - 0.5) * 2);

/**
 * Writes `(x / 255 − 0.5) / 0.5` for every byte of `image` into `out` at `offset`, computed in
 * float32 exactly as PyTorch does (`x.div(255)` rounded to float32 first).
 *
 * Output layout: HWC (one NHWC batch entry), `width · height · 3` floats.
 *
 * @param image - The image.
 * @param out - Destination; a new array when omitted.
 * @param offset - Index in `out` of the first value. @defaultValue 0
 * @returns `out` (or the new array, owned by the caller).
 * @throws When `out` is too short.
 *
 * @example
 * ```ts doctest
 * import { createImage, normalizeImage } from '@patchfx/data';
 * Array.from(normalizeImage(createImage(1, 1, new Uint8Array([0, 255, 51])))); // ≈ [-1, 1, -0.6]
 * ```
 */
export function normalizeImage(image: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  const n = image.data.length;
  const dst = out ?? new Float32Array(n);
  if (dst.length < offset + n) {
    throw new Error(`normalizeImage: output has ${dst.length} floats, needs ${offset + n}`);
  }
  const src = image.data;
  for (let i = 0; i < n; i++) dst[offset + i] = NORMALIZED[src[i]];
  return dst;
}

/**
 * Wraps a batch of normalised images as a tensor.
 *
 * Input: `data` of length `n · height · width · 3` (NHWC). Output shape: `[n, height, width, 3]`.
 *
 * @returns A new float32 tensor. The caller owns it and must dispose it.
 */
export function batchToTensor(
  data: Float32Array,
  n: number,
  height: number,
  width: number,
): tf.Tensor4D {
  if (data.length !== n * height * width * 3) {
    throw new Error(`batchToTensor: ${data.length} floats is not ${n}×${height}×${width}×3`);
  }
  return tf.tensor4d(data, [n, height, width, 3], 'float32');
}
