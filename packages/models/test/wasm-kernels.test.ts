import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, inject, test } from 'vitest';
import { relativeError, withNoLeaks } from '@patchfx/test-utils';
import {
  conv2DBackpropFilterFromOps,
  depthwiseBackpropFilterFromOps,
  depthwiseBackpropInputFromOps,
  maxPoolGradFromOps,
} from '../src/kernels/wasm-training.js';

const backend = inject('backend');

/** Runs `fn` on `name`, returns its arrays, and restores the test's backend. */
async function on(name: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(name);
  try {
    const outs = fn();
    const arrays = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
    outs.forEach((t) => t.dispose());
    return arrays;
  } finally {
    await tf.setBackend(previous);
  }
}

function rand(shape: number[], seed: number, shift = 0): tf.Tensor {
  return tf.tidy(() => tf.add(tf.randomNormal(shape, 0, 1, 'float32', seed), shift));
}

/** Gradients of Σ(op(x, w) · dy) w.r.t. x and w, with fixed random x, w, dy. */
function gradsOf(
  op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
  xs: number[],
  ws: number[],
  shift = 0,
) {
  return () =>
    tf.tidy(() => {
      const x = rand(xs, 1, shift) as tf.Tensor4D;
      const w = rand(ws, 2) as tf.Tensor4D;
      const outShape = op(x, w).shape;
      const dy = rand(outShape, 3);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor4D), dy));
      return tf.grads(f)([x, w]);
    });
}

const conv = (s: number, p: number | 'same' | 'valid') => (x: tf.Tensor4D, w: tf.Tensor4D) =>
  tf.conv2d(x, w, s, p);
const dconv =
  (s: number, p: number | 'same' | 'valid', d = 1) =>
  (x: tf.Tensor4D, w: tf.Tensor4D) =>
    tf.depthwiseConv2d(x, w, s, p, 'NHWC', d);

const convCases = [
  { name: '3×3 s1 p1', op: conv(1, 1), x: [2, 9, 9, 3], w: [3, 3, 3, 4] },
  { name: '3×3 s2 p0, odd remainder', op: conv(2, 0), x: [2, 10, 10, 3], w: [3, 3, 3, 5] },
  { name: '3×3 s1 p0', op: conv(1, 0), x: [1, 11, 7, 4], w: [3, 3, 4, 6] },
  { name: '7×7 s2 p3 (resnet stem)', op: conv(2, 3), x: [2, 12, 12, 3], w: [7, 7, 3, 4] },
  { name: '1×1 s2 (skip)', op: conv(2, 0), x: [2, 9, 9, 6], w: [1, 1, 6, 8] },
  { name: '1×1 s1 (pointwise)', op: conv(1, 0), x: [3, 5, 5, 6], w: [1, 1, 6, 7] },
  { name: "3×3 s2 'same'", op: conv(2, 'same'), x: [2, 8, 8, 3], w: [3, 3, 3, 2] },
] as const;

const depthwiseCases = [
  { name: '3×3 s1 p1', op: dconv(1, 1), x: [2, 8, 8, 5], w: [3, 3, 5, 1] },
  { name: '3×3 s2 p1', op: dconv(2, 1), x: [2, 9, 9, 4], w: [3, 3, 4, 1] },
  { name: '3×3 s1 p1 multiplier 2', op: dconv(1, 1), x: [1, 7, 7, 3], w: [3, 3, 3, 2] },
  { name: '5×5 s2 valid', op: dconv(2, 'valid'), x: [2, 11, 11, 2], w: [5, 5, 2, 1] },
] as const;

const poolCases = [
  { name: '3×3 s2 p1, negative maxima, odd', shape: [2, 9, 9, 3], k: 3, s: 2, p: 1, shift: -4 },
  { name: '3×3 s2 p1, negative maxima, even', shape: [2, 10, 10, 3], k: 3, s: 2, p: 1, shift: -4 },
  { name: '3×3 s2 p1, mixed signs', shape: [1, 16, 16, 4], k: 3, s: 2, p: 1, shift: 0 },
  { name: '2×2 s2 valid', shape: [2, 8, 8, 2], k: 2, s: 2, p: 0, shift: -1 },
  { name: '3×3 s1 p1', shape: [1, 7, 7, 2], k: 3, s: 1, p: 1, shift: -2 },
] as const;

describe(`gradient kernels on ${backend} match the cpu backend`, () => {
  for (const c of convCases) {
    test(`conv2d ${c.name}`, async () => {
      const f = gradsOf(c.op, [...c.x], [...c.w]);
      const [rx, rw] = await on('cpu', f);
      const [gx, gw] = await withNoLeaks(() => on(backend, f));
      expect(relativeError(gx, rx)).toBeLessThan(1e-4);
      expect(relativeError(gw, rw)).toBeLessThan(1e-4);
    });
  }
  for (const c of depthwiseCases) {
    test(`depthwiseConv2d ${c.name}`, async () => {
      const f = gradsOf(c.op, [...c.x], [...c.w]);
      const [rx, rw] = await on('cpu', f);
      const [gx, gw] = await withNoLeaks(() => on(backend, f));
      expect(relativeError(gx, rx)).toBeLessThan(1e-4);
      expect(relativeError(gw, rw)).toBeLessThan(1e-4);
    });
  }
  for (const c of poolCases) {
    test(`maxPool ${c.name}`, async () => {
      const f = () =>
        tf.tidy(() => {
          const x = rand([...c.shape], 5, c.shift) as tf.Tensor4D;
          const y = tf.maxPool(x, c.k, c.s, c.p);
          const dy = rand(y.shape, 6);
          return [
            tf.grad((a: tf.Tensor) =>
              tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.p), dy)),
            )(x),
          ];
        });
      const [r] = await on('cpu', f);
      const [g] = await withNoLeaks(() => on(backend, f));
      expect(relativeError(g, r)).toBeLessThan(1e-4);
    });
  }
});

describe('the op-built kernels agree with the cpu kernels on this backend too', () => {
  test('conv2DBackpropFilterFromOps equals tf.conv2DBackpropFilter semantics', async () => {
    const x = rand([2, 10, 10, 3], 7) as tf.Tensor4D;
    const dy = rand([2, 5, 5, 4], 8) as tf.Tensor4D;
    const attrs = { strides: 2, pad: 1, dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as const;
    const ours = await withNoLeaks(async () => {
      const t = conv2DBackpropFilterFromOps(x, dy, { ...attrs, filterShape: [3, 3, 3, 4] });
      const d = await t.data();
      t.dispose();
      return d;
    });
    const [ref] = await on('cpu', () => [
      tf.tidy(() =>
        tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 2, 1), dy)))(
          tf.zeros([3, 3, 3, 4]),
        ),
      ),
    ]);
    expect(relativeError(ours, ref)).toBeLessThan(1e-4);
    x.dispose();
    dy.dispose();
  });

  test('depthwise and max-pool helpers are exported and leak-free', async () => {
    await withNoLeaks(() => {
      const x = rand([1, 6, 6, 2], 9) as tf.Tensor4D;
      const w = rand([3, 3, 2, 1], 10) as tf.Tensor4D;
      const dy = rand([1, 6, 6, 2], 11) as tf.Tensor4D;
      const a = depthwiseBackpropFilterFromOps(x, dy, {
        strides: 1,
        dilations: 1,
        pad: 1,
        filterShape: [3, 3, 2, 1],
      });
      const b = depthwiseBackpropInputFromOps(dy, w, {
        strides: 1,
        dilations: 1,
        pad: 1,
        inputShape: [1, 6, 6, 2],
      });
      const y = tf.maxPool(x, 3, 2, 1);
      const ones = tf.onesLike(y);
      const c = maxPoolGradFromOps(ones, x, y, { filterSize: 3, strides: 2, pad: 1 });
      expect(a.shape).toEqual([3, 3, 2, 1]);
      expect(b.shape).toEqual([1, 6, 6, 2]);
      expect(c.shape).toEqual([1, 6, 6, 2]);
      tf.dispose([x, w, dy, a, b, y, c, ones]);
    });
  });
});
