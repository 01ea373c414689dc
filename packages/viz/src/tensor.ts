import type { Tensor } from '@tensorflow/tfjs-core';
import { imageFromFloats, type PixelRange } from './convert.js';
import type { ImageChannels, PatchMap, PixelImage } from './types.js';

/**
 * Reads a patch map out of a tensor (e.g. the P(real) channel of a patch model's softmax).
 * Awaits `tensor.data()`; never blocks on a sync download.
 *
 * Input shape: `[h, w]`, `[h, w, 1]` or `[1, h, w, 1]`. Output shape: `[h, w]`.
 *
 * @param tensor - A float tensor. The caller keeps ownership and disposes it.
 * @returns A map with `Float32Array` data (a copy; the tensor may be disposed afterwards).
 * @throws If the shape is not one of the accepted ones.
 *
 * @example
 * ```ts doctest
 * import * as tf from '@tensorflow/tfjs-core';
 * import { patchMapFromTensor } from '@patchfx/viz';
 * const t = tf.tensor3d([0.1, 0.2, 0.3, 0.4], [2, 2, 1]);
 * const map = await patchMapFromTensor(t);
 * t.dispose();
 * [map.height, map.width, map.data.length]; // => [2, 2, 4]
 * ```
 */
export async function patchMapFromTensor(tensor: Tensor): Promise<PatchMap<Float32Array>> {
  const s = tensor.shape;
  let h: number;
  let w: number;
  if (s.length === 2) [h, w] = s;
  else if (s.length === 3 && s[2] === 1) [h, w] = s;
  else if (s.length === 4 && s[0] === 1 && s[3] === 1) [, h, w] = s;
  else {
    throw new Error(
      `patchMapFromTensor expects shape [h, w], [h, w, 1] or [1, h, w, 1], got [${s.join(', ')}]`,
    );
  }
  const data = await tensor.data();
  return { data: Float32Array.from(data), height: h, width: w };
}

/**
 * Reads an image out of a float tensor (a model input in [-1, 1], say) and converts it to bytes
 * with {@link imageFromFloats}. Awaits `tensor.data()`.
 *
 * Input shape: `[h, w, c]` or `[1, h, w, c]`, c ∈ {1, 3, 4}. Output shape: `[h, w, c]`.
 *
 * @param tensor - The image tensor. The caller keeps ownership and disposes it.
 * @param range - Value range of the tensor.
 * @returns A new image.
 * @throws If the shape is not one of the accepted ones.
 *
 * @example
 * ```ts doctest
 * import * as tf from '@tensorflow/tfjs-core';
 * import { imageFromTensor } from '@patchfx/viz';
 * const t = tf.tensor3d([-1, 0, 1], [1, 1, 3]);
 * const img = await imageFromTensor(t);
 * t.dispose();
 * Array.from(img.data); // => [0, 127, 255]
 * ```
 */
export async function imageFromTensor(
  tensor: Tensor,
  range: PixelRange = 'signed',
): Promise<PixelImage> {
  const s = tensor.shape;
  const shape = s.length === 4 && s[0] === 1 ? s.slice(1) : s;
  if (shape.length !== 3 || ![1, 3, 4].includes(shape[2])) {
    throw new Error(
      `imageFromTensor expects shape [h, w, c] or [1, h, w, c] with c in 1 | 3 | 4, got [${s.join(', ')}]`,
    );
  }
  const data = await tensor.data();
  return imageFromFloats(
    data,
    { height: shape[0], width: shape[1], channels: shape[2] as ImageChannels },
    { range },
  );
}
