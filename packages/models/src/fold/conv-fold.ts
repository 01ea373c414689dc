import * as tf from '@tensorflow/tfjs-core';
import {
  foldIntoKernel,
  mergePointwise,
  type BatchNormWeights,
  type FoldedKernel,
} from './fold-weights.js';
import { soleReader, type GraphNode, type LayerGraph } from './graph.js';
import {
  asBatchNorm,
  asConv2d,
  asSeparableConv2d,
  isRelu,
  type Conv2dWeights,
  type SeparableConv2dWeights,
} from './recognise.js';

/** A convolution layer call as folding sees it: which kind, with its geometry and weights. */
export type FoldableConv =
  | ({ readonly kind: 'conv' } & Conv2dWeights)
  | ({ readonly kind: 'separable' } & SeparableConv2dWeights);

/** A BatchNorm layer call and its inference weights. */
export interface FoldedBatchNorm {
  readonly node: GraphNode;
  readonly weights: BatchNormWeights;
}

/**
 * What folds into one convolution call: the BatchNorm that directly and alone follows it (if
 * any) and, when asked for, the plain ReLU that directly and alone follows that BatchNorm.
 */
export interface ConvFold {
  /** The convolution call. */
  readonly node: GraphNode;
  readonly conv: FoldableConv;
  /**
   * The BatchNorm folded into the convolution (into the pointwise part of a separable one), or
   * `null` when none directly and alone reads its output.
   */
  readonly bn: FoldedBatchNorm | null;
  /** The ReLU run in the fused convolution, or `null` (always without `bn`, or unless asked). */
  readonly relu: GraphNode | null;
  /** The calls the convolution absorbs, in order: `[bn]`, `[bn, relu]` or `[]`. */
  readonly absorbed: readonly GraphNode[];
  /** Ids of the tensors the folded convolution writes: the last call's (absorbed or not). */
  readonly outputs: readonly number[];
}

/** Per-call options of {@link convFoldAt}. */
export interface ConvFoldOptions {
  /** Absorb a plain ReLU that directly and alone follows the folded BatchNorm. */
  readonly fuseRelu: boolean;
}

/**
 * The one rule of BatchNorm folding, shared by `foldBatchNorm` and `exportOnnx`: for a layer
 * call that is a `Conv2d` or a `SeparableConv2d`, the BatchNorm (and ReLU) folded into it. A
 * BatchNorm folds only when it is the sole reader of the convolution's single output (which is
 * not the model's output) and reads nothing else; likewise the ReLU after it. Layers are
 * recognised by class name and weights (see `recognise.ts`), so loaded models fold the same.
 *
 * @param graph - The model's layer graph (`layerGraph`).
 * @param node - One of `graph.nodes`.
 * @param options - See {@link ConvFoldOptions}.
 * @returns The fold, or `null` when `node` is not a (built) convolution.
 */
export function convFoldAt(
  graph: LayerGraph,
  node: GraphNode,
  options: ConvFoldOptions,
): ConvFold | null {
  const conv2d = asConv2d(node.layer);
  const sep = conv2d ? null : asSeparableConv2d(node.layer);
  const conv: FoldableConv | null = conv2d
    ? { kind: 'conv', ...conv2d }
    : sep && { kind: 'separable', ...sep };
  if (!conv) return null;
  const bnNode = soleReader(graph, node);
  const weights = bnNode && asBatchNorm(bnNode.layer);
  const bn = bnNode && weights ? { node: bnNode, weights } : null;
  const reluNode = bn && options.fuseRelu ? soleReader(graph, bn.node) : null;
  const relu = reluNode && isRelu(reluNode.layer) ? reluNode : null;
  const absorbed = [bn?.node, relu].filter((n): n is GraphNode => n != null);
  const last = absorbed.length > 0 ? absorbed[absorbed.length - 1] : node;
  return { node, conv, bn, relu, absorbed, outputs: last.outputs };
}

/**
 * The single pointwise kernel of a separable convolution: its pointwise kernel, with the
 * depthwise part merged in when that is a per-channel scale (`pointwiseOnly`).
 *
 * Output shape: `[1, 1, in, out]`.
 *
 * @returns A new kernel. The caller owns it.
 */
export function pointwiseKernel(sep: SeparableConv2dWeights): tf.Tensor4D {
  return sep.pointwiseOnly ? mergePointwise(sep.depthwise, sep.pointwise) : tf.clone(sep.pointwise);
}

/**
 * A separable convolution's {@link pointwiseKernel} with the BatchNorm after it folded in
 * (`foldIntoKernel`); the depthwise part, unless merged, runs before it as it is.
 *
 * @returns A new kernel and bias. The caller owns both.
 */
export function foldedPointwise(sep: SeparableConv2dWeights, bn: BatchNormWeights): FoldedKernel {
  const pointwise = pointwiseKernel(sep);
  try {
    return foldIntoKernel(pointwise, null, bn);
  } finally {
    pointwise.dispose();
  }
}
