/**
 * Gradient kernels the wasm backend lacks, gets wrong, or runs slowly, registered for
 * `'wasm'` only. Where the SIMD module is active (WebAssembly SIMD kernels written in C,
 * running on the backend's own memory: see `./simd.ts`), the hot ones run there; otherwise,
 * and for cases it does not cover, they are built from fast ops wasm has (XNNPACK convolutions
 * and matmuls, 4-D slices, pads, reshapes):
 *
 * - `Conv2DBackpropFilter` (missing in tfjs-backend-wasm 4.22): SIMD (see below); else a matmul
 *   for 1×1 kernels, or one XNNPACK convolution of the batch-major input with the output
 *   gradient as the filter.
 * - `Conv2DBackpropInput` (present but a naive loop, ~10× slower than XNNPACK): a matmul for
 *   1×1 kernels, else a forward XNNPACK convolution of the dilated gradient with the rotated
 *   filter.
 * - `DepthwiseConv2dNativeBackpropFilter` (missing): native for channel multiplier 1 and
 *   dilation 1; else a depthwise convolution of the input with the output gradient as its
 *   filter, channels × batch folded together.
 * - `DepthwiseConv2dNativeBackpropInput` (missing): a depthwise convolution of the dilated
 *   gradient with the flipped filter.
 * - `MaxPoolGrad` (present but wrong whenever a window's maximum is negative): SIMD, else
 *   routed through stride phases with equality masks. Either way the gradient goes to the
 *   window's first maximum in row-major order, as on tfjs's cpu backend and in PyTorch.
 * - SIMD `Conv2DBackpropFilter`: one GEMM over an im2col view of the input (any kernel size,
 *   stride and padding; dilation 1), 4×8 register tiles over packed chunks of rows.
 * - `FusedBatchNorm` (present but ~6× slower than a memory pass): SIMD where every parameter
 *   is per-channel, else tfjs-backend-wasm's own kernel.
 * - `Identity` (tfjs-backend-wasm copies the data): shares it, reference-counted, as the cpu
 *   backend does; the engine clones every tensor it saves for a gradient.
 * - `PatchfxBatchNormTraining` and `PatchfxBatchNormTrainingGrad`: patchfx's own kernels for
 *   training-mode batch normalisation, SIMD only (`batchNormTraining` calls them only while
 *   {@link simdKernelsActive}).
 *
 * Each op-built kernel runs tfjs ops inside the kernel call (nested ops are not recorded on the
 * gradient tape) and returns the result tensor, which the engine adopts as the kernel output.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  FusedBatchNorm,
  Identity,
  MaxPoolGrad,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DataId,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelBackend,
  type KernelConfig,
  type MaxPoolGradAttrs,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { initialisedWasmBackend, simdFor, startSimdKernels } from './simd.js';
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormTrainingGradSimd,
  batchNormTrainingSimd,
  conv2DBackpropFilterSimd,
  depthwiseBackpropFilterSimd,
  fusedBatchNormSimd,
  maxPoolGradSimd,
  type BatchNormTrainingAttrs,
} from './simd-kernels.js';
import { padOrCrop, spreadZeros, subsample } from './ops.js';

function asTensor<T extends tf.Tensor>(info: TensorInfo | undefined): T {
  if (!info) throw new Error('patchfx wasm kernel: missing input');
  return (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)) as T;
}

function checkNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat === 'NCHW') throw new Error(`${kernel} (wasm, patchfx): only NHWC is supported`);
}

/** Dilates dy by the strides and pads it for a stride-1 'full' correlation giving `inputShape`. */
function prepareTransposedInput(
  dy: tf.Tensor4D,
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  info: backend_util.Conv2DInfo,
): tf.Tensor4D {
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const [, oh, ow] = dy.shape;
  const spread = spreadZeros(dy, sh, sw);
  const H = (oh - 1) * sh + 1;
  const W = (ow - 1) * sw + 1;
  const pt = (kh - 1) * dh - info.padInfo.top;
  const pl = (kw - 1) * dw - info.padInfo.left;
  const pb = inH - H - pt + (kh - 1) * dh;
  const pr = inW - W - pl + (kw - 1) * dw;
  return padOrCrop(spread, pt, pb - (spread.shape[1] - H), pl, pr - (spread.shape[2] - W));
}

/** dW of a 2-D convolution: for each kernel offset, a `[Cin, M] × [M, Cout]` matmul. */
export function conv2DBackpropFilterFromOps(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  checkNHWC('Conv2DBackpropFilter', attrs.dataFormat);
  return tf.tidy(() => {
    const info = backend_util.computeConv2DInfo(
      x.shape,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { top, bottom, left, right } = info.padInfo;
    const [kh, kw, cin, cout] = attrs.filterShape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const n = x.shape[0];
    const m = n * oh * ow;
    const dy2 = tf.reshape(dy, [m, cout]);
    const xp = padOrCrop(x, top, bottom, left, right);
    if (kh * kw > 1) {
      // As a convolution: the input with batch and channels swapped ([Cin, H, W, N]) convolved
      // with dy as the filter ([oh, ow, N, Cout], dilated by the stride) gives [Cin, kh, kw, Cout]
      // in one XNNPACK call — far faster than one matmul per kernel offset.
      const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D;
      const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
      const full = tf.conv2d(xt, f, 1, 'valid', 'NHWC', [sh, sw]);
      const cut =
        full.shape[1] === kh && full.shape[2] === kw
          ? full
          : tf.slice(full, [0, 0, 0, 0], [cin, kh, kw, cout]);
      return tf.transpose(cut, [1, 2, 0, 3]) as tf.Tensor4D;
    }
    const parts: tf.Tensor2D[] = [];
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const view = subsample(xp, a, b, oh, ow, sh, sw);
        const cols = tf.transpose(tf.reshape(view, [m, cin]));
        parts.push(tf.matMul(cols, dy2));
        view.dispose();
        cols.dispose();
      }
    }
    return tf.reshape(parts.length === 1 ? parts[0] : tf.stack(parts), [kh, kw, cin, cout]);
  });
}

/** dx of a 2-D convolution (see the module comment). */
export function conv2DBackpropInputFromOps(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DBackpropInputAttrs,
): tf.Tensor4D {
  checkNHWC('Conv2DBackpropInput', attrs.dataFormat);
  return tf.tidy(() => {
    const info = backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const [n, inH, inW, cin] = attrs.inputShape;
    const [kh, kw, , cout] = filter.shape;
    const [, oh, ow] = dy.shape;
    if (kh === 1 && kw === 1) {
      const wt = tf.transpose(tf.reshape(filter, [cin, cout]));
      const g = tf.reshape(tf.matMul(tf.reshape(dy, [n * oh * ow, cout]), wt), [
        n,
        oh,
        ow,
        cin,
      ]) as tf.Tensor4D;
      const { strideHeight: sh, strideWidth: sw } = info;
      const { top, left } = info.padInfo;
      const spread = spreadZeros(g, sh, sw);
      return padOrCrop(
        spread,
        -top,
        inH - (spread.shape[1] - top),
        -left,
        inW - (spread.shape[2] - left),
      );
    }
    const padded = prepareTransposedInput(dy, inH, inW, kh, kw, info);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(padded, rotated, 1, 'valid');
  });
}

/**
 * Depthwise dW. Folding batch into channels turns it into one depthwise convolution:
 * input x as `[1, H, W, N·C]`, filter dy as `[oh, ow, N·C, 1]` (dilated by the stride), output
 * `[1, kh, kw, N·C]`, then summed over N.
 */
export function depthwiseBackpropFilterFromOps(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = backend_util.computeConv2DInfo(
      x.shape,
      attrs.filterShape,
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
    );
    const { top, left } = info.padInfo;
    const [kh, kw, c, mult] = attrs.filterShape;
    const {
      outHeight: oh,
      outWidth: ow,
      strideHeight: sh,
      strideWidth: sw,
      dilationHeight: dh,
      dilationWidth: dw,
    } = info;
    const n = x.shape[0];
    if (dh !== 1 || dw !== 1) {
      // Rare: per-offset products (dilated depthwise gradients are not supported by tfjs core anyway).
      const xp = padOrCrop(x, top, info.padInfo.bottom, left, info.padInfo.right);
      const dyq = mult === 1 ? dy : tf.reshape(dy, [n, oh, ow, c, mult]);
      const parts: tf.Tensor[] = [];
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const view = subsample(xp, a * dh, b * dw, oh, ow, sh, sw);
          parts.push(
            tf.sum(mult === 1 ? tf.mul(view, dyq) : tf.mul(tf.expandDims(view, 4), dyq), [0, 1, 2]),
          );
        }
      }
      return tf.reshape(tf.stack(parts), [kh, kw, c, mult]);
    }
    // Input region that the windows cover: rows top-padded, exactly (oh−1)·sh + kh tall.
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const xp = padOrCrop(x, top, needH - x.shape[1] - top, left, needW - x.shape[2] - left);
    const xFold = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [
      1,
      needH,
      needW,
      n * c,
    ]) as tf.Tensor4D;
    const dyQ =
      mult === 1 ? tf.reshape(dy, [n, oh, ow, c, 1]) : tf.reshape(dy, [n, oh, ow, c, mult]);
    const parts: tf.Tensor[] = [];
    for (let q = 0; q < mult; q++) {
      const dyq =
        mult === 1
          ? dy
          : tf.reshape(tf.slice(dyQ, [0, 0, 0, 0, q], [n, oh, ow, c, 1]), [n, oh, ow, c]);
      const f = tf.reshape(tf.transpose(dyq, [1, 2, 0, 3]), [oh, ow, n * c, 1]) as tf.Tensor4D;
      const out = tf.depthwiseConv2d(xFold, f, 1, 'valid', 'NHWC', [sh, sw]); // [1, kh, kw, n·c]
      parts.push(tf.sum(tf.reshape(out, [kh, kw, n, c]), 2));
    }
    return mult === 1
      ? (tf.reshape(parts[0], [kh, kw, c, 1]) as tf.Tensor4D)
      : (tf.stack(parts, 3) as tf.Tensor4D);
  });
}

/** Depthwise dx: a depthwise convolution of the dilated dy with the flipped filter. */
export function depthwiseBackpropInputFromOps(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: DepthwiseConv2dNativeBackpropInputAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape,
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
    );
    const [n, inH, inW, c] = attrs.inputShape;
    const [kh, kw, , mult] = filter.shape;
    const { dilationHeight: dh, dilationWidth: dw } = info;
    const padded = prepareTransposedInput(dy, inH, inW, kh, kw, info);
    const flipped = tf.reverse(filter, [0, 1]);
    if (mult === 1)
      return tf.depthwiseConv2d(padded, flipped as tf.Tensor4D, 1, 'valid', 'NHWC', [dh, dw]);
    const perChannel = tf.depthwiseConv2d(
      padded,
      tf.reshape(flipped, [kh, kw, c * mult, 1]) as tf.Tensor4D,
      1,
      'valid',
      'NHWC',
      [dh, dw],
    );
    return tf.sum(tf.reshape(perChannel, [n, inH, inW, c, mult]), 4) as tf.Tensor4D;
  });
}

/**
 * Max-pool dx: each dy goes to the position of its window's maximum (the first one in
 * row-major order on ties, as tfjs's cpu backend and PyTorch do). Exact for any sign of the
 * maximum.
 *
 * The padded input is split into stride phases (`x[:, p::s, q::s]`) with reshapes and 4-D
 * slices; each kernel offset is then a plain slice of one phase, and its gradient is added
 * into that phase before the phases are interleaved back.
 */
export function maxPoolGradFromOps(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  attrs: MaxPoolGradAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = backend_util.computePool2DInfo(
      x.shape,
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { top, left } = info.padInfo;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const kh = info.effectiveFilterHeight;
    const kw = info.effectiveFilterWidth;
    const [n, h, w, c] = x.shape;
    const hq = Math.max(oh - 1 + Math.ceil(kh / sh), Math.ceil((h + top) / sh));
    const wq = Math.max(ow - 1 + Math.ceil(kw / sw), Math.ceil((w + left) / sw));
    const xp = padOrCrop(x, top, hq * sh - h - top, left, wq * sw - w - left, -Infinity);
    const grid = sh * sw > 1 ? tf.reshape(xp, [n * hq, sh, wq, sw * c]) : null;
    const phase = (p: number, q: number): tf.Tensor4D =>
      grid ? tf.reshape(tf.slice(grid, [0, p, 0, q * c], [n * hq, 1, wq, c]), [n, hq, wq, c]) : xp;
    const phases = new Map<string, tf.Tensor4D>();
    const acc = new Map<string, tf.Tensor4D>();
    let free = tf.onesLike(y) as tf.Tensor4D;
    for (let idx = 0; idx < kh * kw; idx++) {
      const a = Math.floor(idx / kw);
      const b = idx % kw;
      const key = `${a % sh},${b % sw}`;
      if (!phases.has(key)) phases.set(key, phase(a % sh, b % sw));
      const da = Math.floor(a / sh);
      const db = Math.floor(b / sw);
      const view = tf.slice(phases.get(key)!, [0, da, db, 0], [n, oh, ow, c]);
      const hit = tf.mul(tf.cast(tf.equal(view, y), 'float32'), free) as tf.Tensor4D;
      const nextFree = tf.sub(free, hit) as tf.Tensor4D;
      const g = tf.mul(dy, hit) as tf.Tensor4D;
      const placed = padOrCrop(g, da, hq - da - oh, db, wq - db - ow);
      const prev = acc.get(key);
      const sum: tf.Tensor4D = prev ? tf.add(prev, placed) : placed;
      acc.set(key, sum);
      for (const t of [view, hit, free, g, prev, placed]) if (t && t !== sum) t.dispose();
      free = nextFree;
    }
    const zeros = () => tf.zeros([n, hq, wq, c]) as tf.Tensor4D;
    let full: tf.Tensor4D;
    if (!grid) {
      full = acc.get('0,0') ?? zeros();
    } else {
      const rows: tf.Tensor4D[] = [];
      for (let p = 0; p < sh; p++) {
        const cols: tf.Tensor4D[] = [];
        for (let q = 0; q < sw; q++) cols.push(acc.get(`${p},${q}`) ?? zeros());
        rows.push(tf.reshape(tf.concat(cols, 3), [n * hq, 1, wq, sw * c]));
      }
      full = tf.reshape(tf.concat(rows, 1), [n, hq * sh, wq * sw, c]);
    }
    return tf.slice(full, [0, top, left, 0], [n, h, w, c]);
  });
}

/** A kernel body, typed with its op's attributes (`A`: e.g. `Conv2DBackpropFilterAttrs`). */
type KernelFn<A> = (args: {
  inputs: NamedTensorInfoMap;
  attrs: A;
  backend?: unknown;
}) => tf.Tensor | TensorInfo | TensorInfo[];

/** tfjs-backend-wasm's own kernels that patchfx's replace (some fall back to them). */
const stockKernels = new Map<string, KernelConfig>();

function config<A extends object = NamedAttrMap>(
  kernelName: string,
  kernelFunc: KernelFn<A>,
): KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    // The one cast of the kernel table: the engine calls a kernel with the attributes its op
    // was given, which are `A` (tfjs types them as an untyped map).
    kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'],
    // Runs whenever the wasm backend becomes active: the replaced kernel's own set-up (kept
    // usable as a fallback), and the start of the SIMD module's instantiation.
    setupFunc: (backend) => {
      stockKernels.get(kernelName)?.setupFunc?.(backend);
      void startSimdKernels(backend);
    },
  };
}

function stock(kernelName: string): KernelConfig['kernelFunc'] {
  const k = stockKernels.get(kernelName);
  if (!k)
    throw new Error(
      `patchfx wasm kernel: no tfjs-backend-wasm kernel ${kernelName} to fall back to`,
    );
  return k.kernelFunc;
}

function input(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`patchfx wasm kernel: missing input '${name}'`);
  return t;
}

function simdOnly(kernelName: string, backend: unknown) {
  const k = simdFor(backend);
  if (!k) throw new Error(`${kernelName}: the SIMD kernels are not active on this backend`);
  return k;
}

/** The kernels registered by {@link registerWasmTrainingKernels}. */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = Object.freeze([
  config<Conv2DBackpropFilterAttrs>(Conv2DBackpropFilter, ({ inputs, attrs: a, backend }) => {
    const k = simdFor(backend);
    const simd = k && conv2DBackpropFilterSimd(k, input(inputs, 'x'), input(inputs, 'dy'), a);
    return simd ?? conv2DBackpropFilterFromOps(asTensor(inputs.x), asTensor(inputs.dy), a);
  }),
  config<Conv2DBackpropInputAttrs>(Conv2DBackpropInput, ({ inputs, attrs }) =>
    conv2DBackpropInputFromOps(asTensor(inputs.dy), asTensor(inputs.filter), attrs),
  ),
  config<DepthwiseConv2dNativeBackpropFilterAttrs>(
    DepthwiseConv2dNativeBackpropFilter,
    ({ inputs, attrs: a, backend }) => {
      const k = simdFor(backend);
      const simd = k && depthwiseBackpropFilterSimd(k, input(inputs, 'x'), input(inputs, 'dy'), a);
      return simd ?? depthwiseBackpropFilterFromOps(asTensor(inputs.x), asTensor(inputs.dy), a);
    },
  ),
  config<DepthwiseConv2dNativeBackpropInputAttrs>(
    DepthwiseConv2dNativeBackpropInput,
    ({ inputs, attrs }) =>
      depthwiseBackpropInputFromOps(asTensor(inputs.dy), asTensor(inputs.filter), attrs),
  ),
  config<MaxPoolGradAttrs>(MaxPoolGrad, ({ inputs, attrs: a, backend }) => {
    const k = simdFor(backend);
    const simd = k && maxPoolGradSimd(k, input(inputs, 'dy'), input(inputs, 'input'), a);
    return (
      simd ??
      maxPoolGradFromOps(asTensor(inputs.dy), asTensor(inputs.input), asTensor(inputs.output), a)
    );
  }),
  config(FusedBatchNorm, ({ inputs, attrs, backend }) => {
    const k = simdFor(backend);
    const simd =
      k &&
      fusedBatchNormSimd(
        k,
        input(inputs, 'x'),
        input(inputs, 'mean'),
        input(inputs, 'variance'),
        inputs.offset,
        inputs.scale,
        attrs.varianceEpsilon as number,
      );
    return (
      simd ??
      (stock(FusedBatchNorm)({
        inputs,
        attrs,
        backend: backend as KernelBackend,
      }) as TensorInfo)
    );
  }),
  config(Identity, ({ inputs, backend }) => {
    // Shares the data (reference-counted), as the cpu backend does, instead of tfjs-backend-wasm's
    // copy: tensors are immutable, and the engine clones every tensor it saves for a gradient.
    const x = input(inputs, 'x');
    (backend as { incRef(dataId: DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }),
  config<BatchNormTrainingAttrs>(BATCH_NORM_TRAINING, ({ inputs, attrs, backend }) =>
    batchNormTrainingSimd(
      simdOnly(BATCH_NORM_TRAINING, backend),
      input(inputs, 'x'),
      input(inputs, 'gamma'),
      input(inputs, 'beta'),
      attrs,
    ),
  ),
  config<BatchNormTrainingAttrs>(BATCH_NORM_TRAINING_GRAD, ({ inputs, attrs, backend }) =>
    batchNormTrainingGradSimd(
      simdOnly(BATCH_NORM_TRAINING_GRAD, backend),
      input(inputs, 'dy'),
      input(inputs, 'x'),
      input(inputs, 'mean'),
      input(inputs, 'variance'),
      input(inputs, 'gamma'),
      attrs,
    ),
  ),
]);

/**
 * Registers patchfx's training kernels for the `'wasm'` backend, replacing any kernel of the
 * same name. Idempotent. Call it after `@tensorflow/tfjs-backend-wasm` is imported (its import
 * registers the stock kernels); `useBackend('wasm')` does this for you.
 *
 * The SIMD kernels (see {@link simdKernelsActive}) start instantiating when the wasm
 * backend is set, or here if it already is initialised; the op-built kernels run until they
 * are ready. Await {@link initSimdKernels} after `setBackend('wasm')` to have them from the
 * first step on.
 */
export function registerWasmTrainingKernels(): void {
  for (const k of WASM_TRAINING_KERNELS) {
    const current = tf.getKernel(k.kernelName, 'wasm');
    if (current?.kernelFunc === k.kernelFunc) continue;
    if (current) {
      if (!stockKernels.has(k.kernelName)) stockKernels.set(k.kernelName, current);
      tf.unregisterKernel(k.kernelName, 'wasm');
    }
    tf.registerKernel(k);
  }
  const backend = initialisedWasmBackend();
  if (backend) void startSimdKernels(backend);
}

export { initSimdKernels, simdKernelsActive, setSimdKernelsEnabled } from './simd.js';
