import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import {
  Conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter,
  MaxPoolGrad,
  type NamedAttrMap,
  type NamedTensorMap,
} from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { relativeError, withNoLeaks } from '@patchfx/test-utils';
import { batchNormTraining } from '../src/layers/batch-norm.js';
import { maxPoolGradFromOps } from '../src/kernels/wasm-training.js';
import {
  initSimdKernels,
  moduleBytes,
  simdKernelsActive,
  setSimdKernelsEnabled,
  type SimdExports,
} from '../src/kernels/simd.js';
import { SIMD_MODULE_BASE64, SIMD_SOURCE_SHA256 } from '../src/kernels/simd/module.js';

const backend = inject('backend');

/** Deterministic N(0, 1) values (mulberry32 + Box–Muller), the same on every backend. */
function normal(size: number, seed: number, scale = 1, shift = 0): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const u = Math.max(uniform(), 1e-12);
    out[i] = shift + scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs `fn` on backend `name`, returns its outputs' values and restores the test's backend. */
async function on(name: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(name);
  try {
    const outs = fn();
    const arrays = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(outs);
    return arrays;
  } finally {
    await tf.setBackend(previous);
  }
}

function runKernel(
  name: string,
  inputs: Record<string, Float32Array | tf.Tensor>,
  shapes: Record<string, number[]>,
  attrs: object,
) {
  return () =>
    tf.tidy(() => {
      const ts: NamedTensorMap = {};
      for (const [k, v] of Object.entries(inputs)) {
        ts[k] = v instanceof tf.Tensor ? v : tf.tensor(v, shapes[k], 'float32');
      }
      return [tf.engine().runKernel(name, ts, attrs as NamedAttrMap) as tf.Tensor];
    });
}

/** The kernels that ran in `fn` (nested ones included), by name. */
async function kernelsRun(fn: () => tf.Tensor[]): Promise<string[]> {
  const info = await tf.profile(() => fn());
  return info.kernels.map((k) => k.name);
}

type Pad =
  | number
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];

interface DepthwiseCase {
  name: string;
  x: [number, number, number, number];
  k: [number, number];
  s: number | [number, number];
  pad: Pad;
}

const depthwiseCases: DepthwiseCase[] = [
  { name: '3×3 s1 p1, 37 channels (16 + 16 + 4 + 1)', x: [2, 9, 8, 37], k: [3, 3], s: 1, pad: 1 },
  { name: '3×3 s2 p1, 16 channels', x: [2, 9, 9, 16], k: [3, 3], s: 2, pad: 1 },
  { name: "3×3 s2 'same', even input", x: [1, 10, 10, 5], k: [3, 3], s: 2, pad: 'same' },
  { name: "5×5 s2 'valid', odd remainder", x: [2, 12, 11, 3], k: [5, 5], s: 2, pad: 'valid' },
  {
    name: '2×4 s(1,3), explicit asymmetric padding',
    x: [1, 8, 13, 6],
    k: [2, 4],
    s: [1, 3],
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  },
  { name: '7×7 s3 p3, one channel', x: [3, 11, 11, 1], k: [7, 7], s: 3, pad: 3 },
  { name: '1×1 s1, 20 channels', x: [2, 5, 6, 20], k: [1, 1], s: 1, pad: 0 },
];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  s: number | [number, number];
  pad: Pad;
}

const convCases: ConvCase[] = [
  { name: '3×3 s1 p1, 8 → 16 (vector packing)', x: [2, 9, 9, 8], w: [3, 3, 8, 16], s: 1, pad: 1 },
  {
    name: '3×3 s2 p0, 3 → 5 (scalar packing, padded tile)',
    x: [2, 11, 10, 3],
    w: [3, 3, 3, 5],
    s: 2,
    pad: 0,
  },
  {
    name: '1×1 s1, 12 → 20, rows not a multiple of the chunk',
    x: [3, 7, 9, 12],
    w: [1, 1, 12, 20],
    s: 1,
    pad: 0,
  },
  { name: '1×1 s2 (skip), 6 → 8', x: [2, 9, 9, 6], w: [1, 1, 6, 8], s: 2, pad: 0 },
  { name: "7×7 s2 'same', 4 → 9", x: [1, 13, 12, 4], w: [7, 7, 4, 9], s: 2, pad: 'same' },
  {
    name: '2×3 s(1,2), explicit asymmetric padding, 5 → 3',
    x: [2, 8, 11, 5],
    w: [2, 3, 5, 3],
    s: [1, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  {
    name: '3×3 s1 p1, 16 → 24, 600 rows (five chunks)',
    x: [6, 10, 10, 16],
    w: [3, 3, 16, 24],
    s: 1,
    pad: 1,
  },
];

interface PoolCase {
  name: string;
  x: [number, number, number, number];
  k: number | [number, number];
  s: number | [number, number];
  pad: Pad;
  shift?: number;
  ties?: boolean;
}

const poolCases: PoolCase[] = [
  {
    name: '3×3 s2 p1, negative maxima, 13 channels',
    x: [2, 9, 9, 13],
    k: 3,
    s: 2,
    pad: 1,
    shift: -5,
  },
  {
    name: '3×3 s2 p1, even input, mixed signs, 16 channels',
    x: [2, 10, 10, 16],
    k: 3,
    s: 2,
    pad: 1,
  },
  { name: '3×3 s1 p1, all negative, 5 channels', x: [1, 7, 8, 5], k: 3, s: 1, pad: 1, shift: -8 },
  { name: "2×2 s2 'valid', odd input", x: [2, 9, 7, 3], k: 2, s: 2, pad: 'valid', shift: -1 },
  { name: "3×2 s(2,1) 'same'", x: [1, 8, 9, 9], k: [3, 2], s: [2, 1], pad: 'same' },
  {
    name: '4×4 s3, explicit padding',
    x: [1, 11, 10, 8],
    k: 4,
    s: 3,
    pad: [
      [0, 0],
      [2, 1],
      [1, 2],
      [0, 0],
    ],
    shift: -3,
  },
  { name: '3×3 s2 p1 with ties (three values)', x: [2, 9, 9, 11], k: 3, s: 2, pad: 1, ties: true },
  {
    name: '3×3 s1 p1 with ties, negative',
    x: [1, 8, 8, 8],
    k: 3,
    s: 1,
    pad: 1,
    ties: true,
    shift: -2,
  },
];

function poolInput(c: PoolCase, seed: number): Float32Array {
  const x = normal(sizeOf(c.x), seed, 1, c.shift ?? 0);
  if (c.ties)
    for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] - (c.shift ?? 0)) + (c.shift ?? 0);
  return x;
}

describe.skipIf(backend !== 'wasm')('wasm SIMD kernels', () => {
  beforeAll(async () => {
    setSimdKernelsEnabled(true);
    expect(await initSimdKernels()).toBe(true);
  });
  afterAll(() => setSimdKernelsEnabled(true));

  test('are active on wasm, and only there', async () => {
    expect(simdKernelsActive()).toBe(true);
    await tf.setBackend('cpu');
    expect(simdKernelsActive()).toBe(false);
    expect(await initSimdKernels()).toBe(false);
    await tf.setBackend('wasm');
    expect(simdKernelsActive()).toBe(true);
  });

  for (const c of depthwiseCases) {
    test(`DepthwiseConv2dNativeBackpropFilter ${c.name} matches cpu`, async () => {
      const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], 1];
      const dyShape = tf.tidy(
        () =>
          tf.depthwiseConv2d(
            tf.zeros(c.x) as tf.Tensor4D,
            tf.zeros(filterShape) as tf.Tensor4D,
            c.s,
            c.pad,
          ).shape,
      );
      const x = normal(sizeOf(c.x), 1);
      const dy = normal(sizeOf(dyShape), 2);
      const attrs = { strides: c.s, pad: c.pad, dilations: 1, filterShape };
      const f = runKernel(
        DepthwiseConv2dNativeBackpropFilter,
        { x, dy },
        { x: c.x, dy: dyShape },
        attrs,
      );
      const [want] = await on('cpu', f);
      const [got] = await withNoLeaks(() => on('wasm', f));
      expect(got.length).toBe(sizeOf(filterShape));
      expect(relativeError(got, want)).toBeLessThan(1e-5);
      // One kernel, nothing nested: the SIMD path ran, not the op-built one.
      expect(await kernelsRun(f)).toEqual([DepthwiseConv2dNativeBackpropFilter]);
    });
  }

  for (const c of convCases) {
    test(`Conv2DBackpropFilter ${c.name} matches cpu`, async () => {
      const dyShape = tf.tidy(
        () =>
          tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.w) as tf.Tensor4D, c.s, c.pad).shape,
      );
      const x = normal(sizeOf(c.x), 21);
      const dy = normal(sizeOf(dyShape), 22);
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.w };
      const f = runKernel(Conv2DBackpropFilter, { x, dy }, { x: c.x, dy: dyShape }, attrs);
      const [want] = await on('cpu', f);
      const [got] = await withNoLeaks(() => on('wasm', f));
      expect(got.length).toBe(sizeOf(c.w));
      expect(relativeError(got, want)).toBeLessThan(1e-5);
      expect(await kernelsRun(f)).toEqual([Conv2DBackpropFilter]);
    });
  }

  for (const c of poolCases) {
    test(`MaxPoolGrad ${c.name} matches cpu`, async () => {
      const x = poolInput(c, 3);
      const f = () =>
        tf.tidy(() => {
          const xt = tf.tensor4d(x, c.x);
          const y = tf.maxPool(xt, c.k, c.s, c.pad);
          const dy = tf.tensor4d(normal(y.size, 4), y.shape);
          return [
            tf.engine().runKernel(MaxPoolGrad, { dy, input: xt, output: y }, {
              filterSize: c.k,
              strides: c.s,
              pad: c.pad,
            } as unknown as NamedAttrMap) as tf.Tensor,
          ];
        });
      const [want] = await on('cpu', f);
      const [got] = await withNoLeaks(() => on('wasm', f));
      // The same dy values land on the same positions: equal up to the order of additions.
      expect(relativeError(got, want)).toBeLessThan(1e-6);
      expect((await kernelsRun(f)).filter((k) => k === MaxPoolGrad || k === 'Equal')).toEqual([
        MaxPoolGrad,
      ]);
      if (c.ties) {
        // The op-built kernel agrees on ties too (the first maximum in row-major order).
        const ops = () =>
          tf.tidy(() => {
            const xt = tf.tensor4d(x, c.x);
            const y = tf.maxPool(xt, c.k, c.s, c.pad);
            const dy = tf.tensor4d(normal(y.size, 4), y.shape);
            return [maxPoolGradFromOps(dy, xt, y, { filterSize: c.k, strides: c.s, pad: c.pad })];
          });
        const [viaOps] = await on('wasm', ops);
        expect(relativeError(viaOps, want)).toBeLessThan(1e-6);
      }
    });
  }

  test('MaxPoolGrad sends a tie to the first maximum', async () => {
    const f = () =>
      tf.tidy(() => {
        const x = tf.tensor4d([1, 1, 1, 1, 0, 1, 1, 1, 1], [1, 3, 3, 1]);
        return [tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 1, 'valid')))(x)];
      });
    const [got] = await on('wasm', f);
    expect(Array.from(got)).toEqual([1, 1, 0, 1, 0, 1, 0, 0, 0]);
    const [cpu] = await on('cpu', f);
    expect(Array.from(cpu)).toEqual([1, 1, 0, 1, 0, 1, 0, 0, 0]);
  });

  const bnCases = [
    { name: '[3, 5, 4, 6]', shape: [3, 5, 4, 6], shift: 0.7, scale: 2 },
    {
      name: '[2, 7, 7, 37], mean 1000 (cancellation)',
      shape: [2, 7, 7, 37],
      shift: 1000,
      scale: 1,
    },
    { name: '[4, 3, 3, 1]', shape: [4, 3, 3, 1], shift: -3, scale: 0.5 },
    { name: '[600, 9] (rank 2, several row blocks)', shape: [600, 9], shift: 5, scale: 3 },
  ];
  for (const c of bnCases) {
    test(`training batch norm ${c.name}: forward, statistics and gradients match cpu`, async () => {
      const ch = c.shape[c.shape.length - 1];
      const xv = normal(sizeOf(c.shape), 5, c.scale, c.shift);
      const gv = normal(ch, 6, 0.3, 1);
      const bv = normal(ch, 7, 0.3);
      const dyv = normal(sizeOf(c.shape), 8);
      const f = () =>
        tf.tidy(() => {
          const x = tf.tensor(xv, c.shape);
          const g = tf.tensor1d(gv);
          const b = tf.tensor1d(bv);
          const dy = tf.tensor(dyv, c.shape);
          let stats: tf.Tensor[] = [];
          const loss = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
            const r = batchNormTraining(a, gg, bb, 1e-5);
            stats = [r.mean, r.variance];
            return tf.sum(tf.mul(r.y, dy));
          };
          const { value, grads } = tf.valueAndGrads(loss)([x, g, b]);
          const r = batchNormTraining(x, g, b, 1e-5);
          const out = [r.y, r.mean, r.variance, ...grads, value, ...stats];
          return out;
        });
      const want = await on('cpu', f);
      const got = await withNoLeaks(() => on('wasm', f));
      // Against the cpu backend's op-built batch norm.
      const labels = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta', 'loss'];
      const cpuTol = c.shift > 100 ? 1e-3 : 1e-4; // cpu sums in float32: ~1e-4 off at mean 1000
      for (let i = 0; i < labels.length; i++) {
        expect(relativeError(got[i], want[i]), labels[i]).toBeLessThan(cpuTol);
      }
      // Against a double-precision two-pass reference: no cancellation in the SIMD kernels.
      const m = xv.length / ch;
      const ref = {
        y: new Float64Array(xv.length),
        dx: new Float64Array(xv.length),
        dgamma: new Float64Array(ch),
        dbeta: new Float64Array(ch),
      };
      for (let k = 0; k < ch; k++) {
        let mean = 0;
        for (let r = 0; r < m; r++) mean += xv[r * ch + k];
        mean /= m;
        let v = 0;
        for (let r = 0; r < m; r++) v += (xv[r * ch + k] - mean) ** 2;
        v /= m;
        // Within float32 rounding of the exact mean (half an ulp), plus a hair of summation error.
        expect(Math.abs(got[1][k] - mean)).toBeLessThan(
          2 ** -24 * Math.abs(mean) + 1e-7 * Math.sqrt(v),
        );
        expect(Math.abs(got[2][k] - v) / v).toBeLessThan(1e-6);
        const rstd = 1 / Math.sqrt(v + 1e-5);
        let sdy = 0;
        let sdyx = 0;
        for (let r = 0; r < m; r++) {
          const i = r * ch + k;
          const xhat = (xv[i] - mean) * rstd;
          ref.y[i] = xhat * gv[k] + bv[k];
          sdy += dyv[i];
          sdyx += dyv[i] * xhat;
        }
        ref.dbeta[k] = sdy;
        ref.dgamma[k] = sdyx;
        for (let r = 0; r < m; r++) {
          const i = r * ch + k;
          const xhat = (xv[i] - mean) * rstd;
          ref.dx[i] = gv[k] * rstd * (dyv[i] - sdy / m - (xhat * sdyx) / m);
        }
      }
      expect(relativeError(got[0], ref.y), 'y').toBeLessThan(c.shift > 100 ? 3e-5 : 2e-6);
      expect(relativeError(got[3], ref.dx), 'dx').toBeLessThan(3e-5);
      expect(relativeError(got[4], ref.dgamma), 'dgamma').toBeLessThan(3e-5);
      expect(relativeError(got[5], ref.dbeta), 'dbeta').toBeLessThan(3e-5); // sums of mixed signs
      // The SIMD kernels ran (forward and backward), not the op-built path.
      const names = await kernelsRun(f);
      expect(names).toContain('PatchfxBatchNormTraining');
      expect(names).toContain('PatchfxBatchNormTrainingGrad');
      expect(names).not.toContain('FusedBatchNorm');
    });
  }

  test('inference batch norm (FusedBatchNorm) matches cpu; other parameter shapes fall back', async () => {
    const shape: [number, number, number, number] = [2, 5, 6, 19];
    const xv = normal(sizeOf(shape), 31, 2, 3);
    const per = (seed: number, scale = 1, shift = 0) => normal(19, seed, scale, shift);
    const [mv, vv, ov, sv] = [per(32), per(33, 0.2, 1), per(34), per(35, 0.3, 1)].map((a, i) =>
      i === 1 ? a.map(Math.abs) : a,
    );
    const f = () =>
      tf.tidy(() => {
        const x = tf.tensor(xv, shape) as tf.Tensor4D;
        const [m, v, o, sc] = [mv, vv, ov, sv].map((a) => tf.tensor1d(a));
        const r4 = (t: tf.Tensor) => tf.reshape(t, [1, 1, 1, 19]) as tf.Tensor4D;
        const tiled = (t: tf.Tensor) => tf.tile(r4(t), [2, 5, 6, 1]) as tf.Tensor4D;
        return [
          tf.batchNorm(x, m, v, o, sc, 1e-3),
          tf.batchNorm(x, m, v, undefined, undefined, 1e-3),
          tf.batchNorm(x, r4(m), r4(v), r4(o), r4(sc), 1e-3),
          // Per-element parameters: tfjs-backend-wasm's own kernel.
          tf.batchNorm(x, tiled(m), tiled(v), tiled(o), tiled(sc), 1e-3),
        ];
      });
    const want = await on('cpu', f);
    const got = await withNoLeaks(() => on('wasm', f));
    for (let i = 0; i < want.length; i++) expect(relativeError(got[i], want[i])).toBeLessThan(1e-6);
  });

  test('Identity shares the data and keeps it alive for the clone', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    const z = tf.add(y, 1);
    y.dispose();
    expect(Array.from(await z.data())).toEqual([2, 3, 4]);
    z.dispose();
  });

  test('survive memory growth between calls, and do not leak', async () => {
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    const c = poolCases[0];
    const x = poolInput(c, 9);
    const pool = () =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, c.x);
        const y = tf.maxPool(xt, c.k, c.s, c.pad);
        return [
          tf.grad((a: tf.Tensor) =>
            tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad), y)),
          )(xt),
        ];
      });
    const d = depthwiseCases[0];
    const dyShape = [d.x[0], d.x[1], d.x[2], d.x[3]];
    const xd = normal(sizeOf(d.x), 10);
    const dyd = normal(sizeOf(dyShape), 11);
    const dw = runKernel(
      DepthwiseConv2dNativeBackpropFilter,
      { x: xd, dy: dyd },
      { x: d.x, dy: dyShape },
      { strides: 1, pad: 1, dilations: 1, filterShape: [3, 3, d.x[3], 1] },
    );
    const bn = () =>
      tf.tidy(() => {
        const xt = tf.tensor(xd, d.x);
        const g = tf.grad((a: tf.Tensor) => {
          const r = batchNormTraining(a, tf.ones([d.x[3]]), tf.zeros([d.x[3]]), 1e-5);
          tf.dispose([r.mean, r.variance]);
          return tf.sum(tf.mul(r.y, tf.tensor(dyd, d.x)));
        })(xt);
        return [g];
      });
    const before = [
      ...(await on('wasm', pool)),
      ...(await on('wasm', dw)),
      ...(await on('wasm', bn)),
    ];
    const bytesBefore = heap().buffer.byteLength;
    // A tensor larger than the whole current heap forces the backend's memory to grow.
    const big = tf.fill([Math.ceil(bytesBefore / 4) + (1 << 20)], 3);
    expect(heap().buffer.byteLength).toBeGreaterThan(bytesBefore);
    const after = await withNoLeaks(async () => [
      ...(await on('wasm', pool)),
      ...(await on('wasm', dw)),
      ...(await on('wasm', bn)),
    ]);
    expect((await tf.slice(big, [big.size - 1], [1]).data())[0]).toBe(3);
    big.dispose();
    expect(after.length).toBe(before.length);
    for (let i = 0; i < before.length; i++)
      expect(Array.from(after[i])).toEqual(Array.from(before[i]));
    const [ref] = await on('cpu', pool);
    expect(relativeError(after[0], ref)).toBeLessThan(1e-6);
  });

  test('fall back to the op-built kernels when disabled, with the same results', async () => {
    const c = depthwiseCases[1];
    const filterShape = [3, 3, c.x[3], 1];
    const dyShape = [c.x[0], 5, 5, c.x[3]];
    const f = runKernel(
      DepthwiseConv2dNativeBackpropFilter,
      { x: normal(sizeOf(c.x), 12), dy: normal(sizeOf(dyShape), 13) },
      { x: c.x, dy: dyShape },
      { strides: 2, pad: 1, dilations: 1, filterShape },
    );
    const [simd] = await on('wasm', f);
    setSimdKernelsEnabled(false);
    try {
      expect(simdKernelsActive()).toBe(false);
      const [ops] = await withNoLeaks(() => on('wasm', f));
      expect(relativeError(ops, simd)).toBeLessThan(1e-5);
      expect(await kernelsRun(f)).toContain('DepthwiseConv2dNative');
    } finally {
      setSimdKernelsEnabled(true);
    }
    expect(simdKernelsActive()).toBe(true);
  });
});

describe('the SIMD module', () => {
  test('was built from the committed C source (run simd/build.sh after editing it)', () => {
    const source = readFileSync(fileURLToPath(new URL('../simd/kernels.c', import.meta.url)));
    expect(createHash('sha256').update(source).digest('hex')).toBe(SIMD_SOURCE_SHA256);
  });

  test('the TypeScript side allocates the scratch the C side documents', () => {
    const c = readFileSync(fileURLToPath(new URL('../simd/kernels.c', import.meta.url)), 'utf8');
    const ts = readFileSync(
      fileURLToPath(new URL('../src/kernels/simd-kernels.ts', import.meta.url)),
      'utf8',
    );
    // The conv filter-gradient packs rows in chunks of the same size on both sides.
    expect(ts.match(/const CONV_CHUNK = (\d+);/)?.[1]).toBe(c.match(/#define CHUNK (\d+)/)?.[1]);
    expect(ts).toContain('k.scratch(4 * (CONV_CHUNK * (kpad + npad) + kpad * npad))');
    expect(c).toContain('scratch: (CHUNK·kpad + CHUNK·npad + kpad·npad) floats');
    // Per-channel scratch of the batch-norm kernels: bytes per channel from the C comments
    // ("2c doubles + 3c floats") against the TypeScript allocations (`k.scratch(28 * c + 16)`).
    const perChannel = [...c.matchAll(/scratch: ((?:\d*c (?:doubles|floats)(?: \+ )?)+)/g)].map(
      ([, terms]) =>
        [...terms.matchAll(/(\d*)c (doubles|floats)/g)].reduce(
          (sum, [, k, kind]) => sum + Number(k || 1) * (kind === 'doubles' ? 8 : 4),
          0,
        ),
    );
    const allocated = [...ts.matchAll(/k\.scratch\((\d+) \* c \+ 16\)/g)].map(([, k]) => Number(k));
    expect(perChannel.length).toBe(3);
    expect([...allocated].sort((a, b) => a - b)).toEqual([...perChannel].sort((a, b) => a - b));
  });

  test('is a small SIMD module that validates', () => {
    const bytes = moduleBytes(false);
    expect(bytes.length).toBeLessThan(16_384);
    expect(SIMD_MODULE_BASE64.length).toBe(Math.ceil(bytes.length / 3) * 4);
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  test('links against a shared memory too (tfjs-backend-wasm threaded build)', async () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const { instance } = await WebAssembly.instantiate(moduleBytes(true), { env: { memory } });
    const k = instance.exports as unknown as SimdExports;
    // x [4, 2] at 0; γ, β at 64; mean, variance at 96; y at 128; scratch at 256.
    const f32 = new Float32Array(memory.buffer);
    f32.set([1, 10, 2, 20, 3, 30, 4, 40], 0);
    f32.set([1, 2, 0, 1], 16);
    k.bn_forward(0, 4, 2, 64, 72, 0, 96, 104, 128, 256);
    expect(Array.from(f32.subarray(24, 28))).toEqual([2.5, 25, 1.25, 125]);
    const y = Array.from(f32.subarray(32, 40));
    const want = [1, 10, 2, 20, 3, 30, 4, 40].map((v, i) =>
      i % 2 === 0 ? (v - 2.5) / Math.sqrt(1.25) : (2 * (v - 25)) / Math.sqrt(125) + 1,
    );
    expect(relativeError(y, want)).toBeLessThan(1e-6);
    await expect(
      WebAssembly.instantiate(moduleBytes(false), { env: { memory } }),
    ).rejects.toThrow();
  });
});
