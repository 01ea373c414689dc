/**
 * tfjs kernel bodies over the SIMD module (see `./simd.ts`): each checks that its case is
 * one the module handles and returns null otherwise, so the caller can run the op-built kernel.
 */
import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type MaxPoolGradAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type { SimdKernels } from './simd.js';

/** Kernel name of the SIMD training-mode batch norm: `{x, gamma, beta}` → `[y, mean, variance]`. */
export const BATCH_NORM_TRAINING = 'PatchfxBatchNormTraining';
/**
 * Kernel name of its backward: `{dy, x, mean, variance, gamma}` → `[dx, dGamma, dBeta]`.
 */
export const BATCH_NORM_TRAINING_GRAD = 'PatchfxBatchNormTrainingGrad';

/** Attributes of both batch-norm kernels. */
export interface BatchNormTrainingAttrs {
  readonly epsilon: number;
  /**
   * Forward only: compute the batch's mean and variance and skip `y` (outputs `[mean,
   * variance]`); what synchronised BatchNorm needs before it combines threads' statistics.
   */
  readonly statisticsOnly?: boolean;
}

const isFloat = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

/** Depthwise dW for channel multiplier 1 and dilation 1 (any kernel, stride, padding). */
export function depthwiseBackpropFilterSimd(
  k: SimdKernels,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs,
): TensorInfo | null {
  const [kh, kw, c, mult] = attrs.filterShape;
  if (mult !== 1 || x.shape.length !== 4 || !isFloat(x, dy)) return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.inChannels !== c) return null;
  const [n, h, w] = x.shape;
  const { outHeight: oh, outWidth: ow } = info;
  if (!util.arraysEqual(dy.shape, [n, oh, ow, c])) return null;
  const out = k.output([kh, kw, c, 1]);
  k.exports.dw_filter_grad(
    k.offset(x),
    k.offset(dy),
    k.offset(out),
    n,
    h,
    w,
    c,
    oh,
    ow,
    kh,
    kw,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return out;
}

/** Rows per packed chunk in `conv_filter_grad` (`CHUNK` in kernels.c). */
const CONV_CHUNK = 128;

/** Conv dW for NHWC, dilation 1 (any kernel, stride, padding): one GEMM over an im2col view. */
export function conv2DBackpropFilterSimd(
  k: SimdKernels,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): TensorInfo | null {
  if (attrs.dataFormat === 'NCHW' || x.shape.length !== 4 || !isFloat(x, dy)) return null;
  const [kh, kw, cin, cout] = attrs.filterShape;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.inChannels !== cin) return null;
  const [n, h, w] = x.shape;
  const { outHeight: oh, outWidth: ow } = info;
  if (!util.arraysEqual(dy.shape, [n, oh, ow, cout])) return null;
  const kpad = (kh * kw * cin + 3) & ~3;
  const npad = (cout + 7) & ~7;
  const out = k.output([kh, kw, cin, cout]);
  const scratch = k.scratch(4 * (CONV_CHUNK * (kpad + npad) + kpad * npad));
  k.exports.conv_filter_grad(
    k.offset(x),
    k.offset(dy),
    k.offset(out),
    n,
    h,
    w,
    cin,
    oh,
    ow,
    cout,
    kh,
    kw,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    scratch,
  );
  return out;
}

/** Max-pool dx from the input (the argmax is recomputed; ties go to the first maximum). */
export function maxPoolGradSimd(
  k: SimdKernels,
  dy: TensorInfo,
  x: TensorInfo,
  attrs: MaxPoolGradAttrs,
): TensorInfo | null {
  if (x.shape.length !== 4 || !isFloat(x, dy)) return null;
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [n, h, w, c] = x.shape;
  const { outHeight: oh, outWidth: ow } = info;
  if (!util.arraysEqual(dy.shape, [n, oh, ow, c])) return null;
  const dx = k.output([...x.shape]);
  k.exports.max_pool_grad(
    k.offset(x),
    k.offset(dy),
    k.offset(dx),
    n,
    h,
    w,
    c,
    oh,
    ow,
    info.effectiveFilterHeight,
    info.effectiveFilterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return dx;
}

/**
 * Inference batch norm (tfjs's `FusedBatchNorm`) when every parameter holds one value per
 * channel (shape `[c]`, or `[1, …, 1, c]`); null otherwise.
 */
export function fusedBatchNormSimd(
  k: SimdKernels,
  x: TensorInfo,
  mean: TensorInfo,
  variance: TensorInfo,
  offset: TensorInfo | undefined,
  scale: TensorInfo | undefined,
  epsilon: number,
): TensorInfo | null {
  const c = x.shape[x.shape.length - 1];
  const params = [mean, variance, offset, scale].filter((t): t is TensorInfo => t != null);
  const perChannel = (t: TensorInfo) =>
    t.shape.length >= 1 &&
    t.shape.length <= x.shape.length &&
    t.shape[t.shape.length - 1] === c &&
    t.shape.slice(0, -1).every((d) => d === 1);
  if (x.shape.length < 1 || !isFloat(x, ...params) || !params.every(perChannel)) return null;
  const m = c > 0 ? util.sizeFromShape(x.shape) / c : 0;
  const y = k.output([...x.shape]);
  const scratch = k.scratch(4 * c + 16);
  k.exports.bn_inference(
    k.offset(x),
    m,
    c,
    k.offset(mean),
    k.offset(variance),
    offset ? k.offset(offset) : 0,
    scale ? k.offset(scale) : 0,
    epsilon,
    k.offset(y),
    scratch,
  );
  return y;
}

function checkBatchNormInputs(x: TensorInfo, perChannel: TensorInfo[]): number {
  const c = x.shape[x.shape.length - 1];
  if (x.shape.length < 1 || !isFloat(x, ...perChannel)) {
    throw new Error('patchfx batch norm kernel: float32 inputs expected');
  }
  for (const t of perChannel) {
    if (!util.arraysEqual(t.shape, [c])) {
      throw new Error(
        `patchfx batch norm kernel: per-channel input of shape [${t.shape}], want [${c}]`,
      );
    }
  }
  return c;
}

/**
 * Training-mode batch norm forward: `[y, mean, variance]` (biased variance) in two sweeps, or
 * `[mean, variance]` in one with `statisticsOnly`.
 */
export function batchNormTrainingSimd(
  k: SimdKernels,
  x: TensorInfo,
  gamma: TensorInfo,
  beta: TensorInfo,
  { epsilon, statisticsOnly = false }: BatchNormTrainingAttrs,
): TensorInfo[] {
  const c = checkBatchNormInputs(x, [gamma, beta]);
  const m = c > 0 ? util.sizeFromShape(x.shape) / c : 0;
  const y = statisticsOnly ? null : k.output([...x.shape]);
  const mean = k.output([c]);
  const variance = k.output([c]);
  const scratch = k.scratch(28 * c + 16);
  k.exports.bn_forward(
    k.offset(x),
    m,
    c,
    k.offset(gamma),
    k.offset(beta),
    epsilon,
    k.offset(mean),
    k.offset(variance),
    y ? k.offset(y) : 0,
    scratch,
  );
  return y ? [y, mean, variance] : [mean, variance];
}

/** Training-mode batch norm backward: `[dx, dGamma, dBeta]` in two sweeps. */
export function batchNormTrainingGradSimd(
  k: SimdKernels,
  dy: TensorInfo,
  x: TensorInfo,
  mean: TensorInfo,
  variance: TensorInfo,
  gamma: TensorInfo,
  { epsilon }: BatchNormTrainingAttrs,
): TensorInfo[] {
  const c = checkBatchNormInputs(x, [mean, variance, gamma]);
  if (!util.arraysEqual(dy.shape, x.shape) || !isFloat(dy)) {
    throw new Error('patchfx batch norm kernel: dy must be float32 of the shape of x');
  }
  const m = c > 0 ? util.sizeFromShape(x.shape) / c : 0;
  const dx = k.output([...x.shape]);
  const dGamma = k.output([c]);
  const dBeta = k.output([c]);
  const scratch = k.scratch(36 * c + 16);
  k.exports.bn_backward(
    k.offset(dy),
    k.offset(x),
    m,
    c,
    k.offset(mean),
    k.offset(variance),
    k.offset(gamma),
    epsilon,
    k.offset(dx),
    k.offset(dGamma),
    k.offset(dBeta),
    scratch,
  );
  return [dx, dGamma, dBeta];
}
