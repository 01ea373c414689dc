import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { convFoldAt } from './conv-fold.js';
import { layerGraph, type GraphNode, type LayerGraph } from './graph.js';
import {
  foldedConvStep,
  foldedSeparableStep,
  layerStep,
  type FusedActivation,
  type StepKernel,
} from './steps.js';

/** Per-call options of {@link foldBatchNorm}. */
export interface FoldOptions {
  /**
   * Run a ReLU that directly follows a folded BatchNorm inside the fused convolution.
   * @defaultValue true
   */
  readonly fuseActivations?: boolean;
}

/** Defaults of {@link FoldOptions}. */
export const DEFAULT_FOLD_OPTIONS: Readonly<Required<FoldOptions>> = Object.freeze({
  fuseActivations: true,
});

/** What one step of a {@link FoldedModel} runs. */
export const FOLDED_STEP_KINDS = Object.freeze({
  /** A convolution with the BatchNorm after it folded in: one fused conv + bias (+ ReLU). */
  conv: 'conv',
  /** A separable convolution with the BatchNorm folded into its pointwise part. */
  separable: 'separable',
  /** A layer run as it is (inference mode), with the model's own weights. */
  layer: 'layer',
} as const);
export type FoldedStepKind = keyof typeof FOLDED_STEP_KINDS;

/** One step of a {@link FoldedModel}, for inspection. */
export interface FoldedStep {
  readonly kind: FoldedStepKind;
  /** The model's layers this step stands for, in order, e.g. `['conv1', 'bn1', 'relu1']`. */
  readonly layers: readonly string[];
}

/**
 * An inference-only version of a patch model with its BatchNorms folded into the convolutions
 * before them. Owns the folded weights: call `dispose()` when done.
 */
export interface FoldedModel {
  /**
   * Runs the model in inference mode: what `model.predict(x)` returns, within float rounding.
   *
   * Input shape: `[batch, h, w, channels]` (the model's input). Output shape: the model's.
   *
   * @returns The output; the caller owns it.
   * @throws After `dispose()`, or when `x` is not 4-D with the model's channel count.
   */
  predict(x: tf.Tensor4D): tf.Tensor;
  /** The steps it runs, in order. */
  readonly steps: readonly FoldedStep[];
  /** Frees the folded weights; the source model is not touched. Calling it twice is harmless. */
  dispose(): void;
}

interface Step extends FoldedStep, StepKernel {
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/**
 * A folded step for `node` and the BatchNorm (and ReLU) after it, with the calls it absorbs,
 * or `null` if none applies.
 */
function foldAt(
  graph: LayerGraph,
  node: GraphNode,
  fuse: boolean,
): { step: Step; absorbed: readonly GraphNode[] } | null {
  const fold = convFoldAt(graph, node, { fuseRelu: fuse });
  if (!fold?.bn) return null;
  const { conv, bn, relu, absorbed } = fold;
  const activation: FusedActivation = relu ? 'relu' : 'linear';
  const kernel =
    conv.kind === 'conv'
      ? foldedConvStep(conv, bn.weights, activation)
      : foldedSeparableStep(conv, bn.weights, activation);
  const step: Step = {
    ...kernel,
    kind: conv.kind,
    layers: [node, ...absorbed].map((n) => n.layer.name),
    inputs: node.inputs,
    outputs: fold.outputs,
  };
  return { step, absorbed };
}

/**
 * Folds every BatchNorm that directly follows a convolution into that convolution, for fast
 * inference: a `Conv2d` (ResNet convolutions and downsamples, Xception's stem and skips) gets
 * the folded kernel and a bias; a `SeparableConv2d` gets them in its pointwise part. A ReLU
 * right after runs in the same fused kernel (`tf.fused.conv2d` with bias and activation).
 * Every other layer — and any BatchNorm it cannot fold (one that does not follow a
 * convolution, or whose convolution's output is also read elsewhere) — runs as it is.
 *
 * BatchNorm at inference is `y = γ·(x − μ)/√(σ² + ε) + β` with the moving statistics (PyTorch
 * semantics: the stored variance is the unbiased running variance, used as is, and the layer's
 * own ε); folding gives `W' = W·s`, `b' = (b − μ)·s + β` with `s = γ/√(σ² + ε)`.
 *
 * The result is a snapshot of the weights at the time of the call: fold again after training
 * changes them. Layers left as they are run from `model` itself, so keep `model` (undisposed)
 * for as long as the folded model is used. `model` is not modified.
 *
 * Input shape: `[batch, h, w, 3]`. Output shape: the model's (`[batch, H, W, 2]` or `[batch, 2]`).
 *
 * @param model - A single-input, single-output functional model, e.g. from
 *   `buildPatchDiscriminator` or a loaded checkpoint.
 * @param options - See {@link FoldOptions}.
 * @returns The folded model. The caller owns it and must call `dispose()`.
 * @throws When the model does not have exactly one input and one output.
 *
 * @example
 * ```ts doctest
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildPatchDiscriminator, foldBatchNorm } from '@patchfx/models';
 * const model = buildPatchDiscriminator('xception_block1', { seed: 1 });
 * const folded = foldBatchNorm(model);
 * folded.steps[0].layers; // => ['conv1', 'bn1', 'relu1']
 * const x = tf.randomUniform([1, 32, 32, 3], -1, 1) as tf.Tensor4D;
 * const y = folded.predict(x);
 * y.shape; // => [1, 7, 7, 2]
 * tf.dispose([x, y]);
 * folded.dispose();
 * model.dispose();
 * ```
 */
export function foldBatchNorm(model: LayersModel, options: FoldOptions = {}): FoldedModel {
  const fuse = options.fuseActivations ?? DEFAULT_FOLD_OPTIONS.fuseActivations;
  const graph = layerGraph(model);
  const steps: Step[] = [];
  const absorbed = new Set<GraphNode>();
  try {
    for (const node of graph.nodes) {
      if (absorbed.has(node)) continue;
      const folded = foldAt(graph, node, fuse);
      if (folded) {
        // Kept: the folded model owns them even when made inside someone's tf.tidy.
        folded.step.weights.forEach((t) => tf.keep(t));
        folded.absorbed.forEach((n) => absorbed.add(n));
        steps.push(folded.step);
        continue;
      }
      steps.push({
        ...layerStep(node.layer),
        kind: 'layer',
        layers: [node.layer.name],
        inputs: node.inputs,
        outputs: node.outputs,
      });
    }
  } catch (e) {
    tf.dispose(steps.flatMap((s) => s.weights));
    throw e;
  }
  return foldedModel(model, graph, steps);
}

function foldedModel(model: LayersModel, graph: LayerGraph, steps: readonly Step[]): FoldedModel {
  const channels = model.inputs[0].shape[3];
  // How many steps read each tensor (the output once more, so that it is never freed early).
  const reads = new Map<number, number>([[graph.output, 1]]);
  for (const s of steps) for (const id of s.inputs) reads.set(id, (reads.get(id) ?? 0) + 1);
  let disposed = false;
  return {
    steps: steps.map(({ kind, layers }) => ({ kind, layers })),
    predict(x: tf.Tensor4D): tf.Tensor {
      if (disposed) throw new Error(`folded model of '${model.name}' was disposed`);
      if (x.rank !== 4 || (channels != null && x.shape[3] !== channels)) {
        throw new Error(
          `x must be [batch, h, w, ${channels ?? 'channels'}], got [${x.shape.join(', ')}]`,
        );
      }
      return tf.tidy(`folded ${model.name}`, () => {
        const values = new Map<number, tf.Tensor>([[graph.input, x]]);
        const left = new Map(reads);
        for (const step of steps) {
          const outs = step.run(step.inputs.map((id) => values.get(id)!));
          step.outputs.forEach((id, k) => values.set(id, outs[k]));
          // Free each intermediate as soon as its last reader has run (peak memory).
          for (const id of step.inputs) {
            const n = left.get(id)! - 1;
            left.set(id, n);
            if (n === 0 && id !== graph.input) {
              values.get(id)!.dispose();
              values.delete(id);
            }
          }
        }
        return values.get(graph.output)!;
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      tf.dispose(steps.flatMap((s) => s.weights));
    },
  };
}
