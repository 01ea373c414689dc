/**
 * Small tensor helpers for the op-built kernels, chosen for what is fast on tfjs-backend-wasm:
 * 4-D slices, pads, reshapes and plain (untransposed) matmuls are fast there; strided slices,
 * transposed matmuls and slices of rank > 4 are 10–100× slower, so nothing here uses them.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Pads (or crops, for negative amounts) the two spatial axes of an NHWC tensor. */
export function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
  value = 0,
): tf.Tensor4D {
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = y.shape;
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    y = tf.slice(
      y,
      [0, t, l, 0],
      [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c],
    );
  }
  const pt = Math.max(0, top);
  const pb = Math.max(0, bottom);
  const pl = Math.max(0, left);
  const pr = Math.max(0, right);
  if (pt || pb || pl || pr)
    y = tf.pad(
      y,
      [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      value,
    );
  return y;
}

/**
 * `x[:, a + i·sh, b + j·sw, :]` for `i < oh`, `j < ow`, built from a slice, a reshape and a
 * 4-D slice (no strided slice).
 */
export function subsample(
  x: tf.Tensor4D,
  a: number,
  b: number,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (sh === 1 && sw === 1) return tf.slice(x, [0, a, b, 0], [n, oh, ow, c]);
  const region = padOrCrop(x, -a, a + oh * sh - h, -b, b + ow * sw - w);
  const grid = tf.reshape(region, [n * oh, sh, ow, sw * c]);
  return tf.reshape(tf.slice(grid, [0, 0, 0, 0], [n * oh, 1, ow, c]), [n, oh, ow, c]);
}

/** The inverse of {@link subsample} at offset 0: `[n, h, w, c] → [n, h·sh, w·sw, c]` with zeros between. */
export function spreadZeros(g: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return g;
  const [n, h, w, c] = g.shape;
  const grid = tf.pad(tf.reshape(g, [n * h, 1, w, c]), [
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, (sw - 1) * c],
  ]);
  return tf.reshape(grid, [n, h * sh, w * sw, c]);
}

/**
 * Column sums of a `[m, c]` matrix, as `[1, c]`. (A `[1, m] × [m, c]` matmul with ones looks
 * cheaper but is ~10× slower on wasm: XNNPACK repacks the big operand on every call.)
 */
export function columnSums(x2: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(x2, 0, true);
}

/** Sum over every axis but the last. Returns `[c]`. */
export function sumToChannels(x: tf.Tensor): tf.Tensor1D {
  const c = x.shape[x.rank - 1];
  return tf.sum(tf.reshape(x, [-1, c]), 0);
}
