/**
 * The weights the bench times. An untrained model with the reference's initialisation (xavier,
 * gain 0.02) has activations that shrink layer after layer (largest logit ~1e-9 in
 * xception_block2): not a trained model's numbers, and on the way to the subnormal floats that
 * some engines compute several times slower than normal ones and others do not, which would make
 * the engines' ratios measure the weights. `scaled` gives every conv and linear layer PyTorch's
 * own default initialisation instead (what a freshly built `torch.nn.Conv2d` / `Linear` holds),
 * whose activations stay at the scale of a trained model's (largest logit ~0.1).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { torchParams } from '@patchfx/models/torch';

/** The bench's weight choices (`--weights`). */
export const BENCH_WEIGHTS = Object.freeze(['scaled', 'reference'] as const);
export type BenchWeights = (typeof BENCH_WEIGHTS)[number];

/** One line for the bench's header and table: which weights were timed. */
export const WEIGHTS_NOTE: Readonly<Record<BenchWeights, string>> = Object.freeze({
  scaled:
    "PyTorch's default initialisation (conv and linear weights and biases U(±1/√fan_in), i.e. kaiming_uniform(a=√5); BatchNorm γ 1, β 0, running mean 0, variance 1)",
  reference:
    "the reference's initialisation (xavier, gain 0.02; activations shrink layer after layer, logits ~1e-9 in xception_block2)",
});

/**
 * Re-initialises `model` in place as PyTorch initialises a new module: every conv and linear
 * weight and bias uniform in ±1/√fan_in, with PyTorch's fan_in (`in/groups · k · k`: k² for a
 * depthwise kernel); BatchNorm γ = 1, β = 0, running mean 0 and variance 1. Seeded, so two calls
 * with the same seed give the same weights.
 *
 * @param model - A model from `buildPatchDiscriminator`.
 * @param seed - Seed of the first weight; weight i uses `seed + i`.
 */
export function initScaled(model: LayersModel, seed = 0): void {
  const params = torchParams(model);
  // fan_in of each module's weight, by module name (conv OIHW, depthwise (C, 1, k, k), Linear (O, I)).
  const fanIn = new Map<string, number>();
  for (const p of params) {
    if (p.torchName.endsWith('.weight') && p.torchShape.length >= 2)
      fanIn.set(
        p.torchName.slice(0, -'.weight'.length),
        p.torchShape.slice(1).reduce((a, b) => a * b, 1),
      );
  }
  params.forEach((p, i) => {
    const module = p.torchName.slice(0, p.torchName.lastIndexOf('.'));
    const kind = p.torchName.slice(module.length + 1);
    const shape = p.variable.shape as number[];
    const fan = fanIn.get(module);
    const value = tf.tidy(() => {
      if (fan != null && (kind === 'weight' || kind === 'bias')) {
        const bound = 1 / Math.sqrt(fan);
        return tf.randomUniform(shape, -bound, bound, 'float32', seed + i);
      }
      if (kind === 'weight' || kind === 'running_var') return tf.ones(shape); // BatchNorm γ, variance
      if (kind === 'bias' || kind === 'running_mean') return tf.zeros(shape); // BatchNorm β, mean
      throw new Error(
        `bench weights: no PyTorch initialisation for '${p.torchName}' (examples/bench/src/weights.ts handles conv, linear and BatchNorm parameters)`,
      );
    });
    p.variable.write(value);
    value.dispose();
  });
}

/** The largest |value| of `xs` and the count of nonzero subnormal floats (|x| < 2⁻¹²⁶) among them. */
export function magnitude(xs: Float32Array): { maxAbs: number; subnormal: number } {
  let maxAbs = 0;
  let subnormal = 0;
  for (const x of xs) {
    const a = Math.abs(x);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < 1.1754943508222875e-38) subnormal++;
  }
  return { maxAbs, subnormal };
}
