import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { simdKernelsActive } from '../kernels/simd.js';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '../kernels/simd-kernels.js';
import { columnSums, sumToChannels } from '../kernels/ops.js';
import { single, singleShape } from './util.js';
import type { BatchMoments, BatchNormSync } from './batch-norm-sync.js';

/**
 * Training-mode batch normalisation with a hand-written gradient: batch mean and biased
 * variance over all but the channel axis, and the closed-form backward
 * `dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂))`, `dγ = Σ dy·x̂`, `dβ = Σ dy`.
 *
 * On the wasm backend with the SIMD kernels active, forward and backward are one SIMD
 * kernel each (two sweeps over memory apiece); elsewhere they are built from tfjs ops.
 *
 * With `sync`, this thread's `x` is one part of a batch spread over threads: the forward pass
 * normalises with the moments of the whole batch and the backward pass uses the whole batch's
 * Σdy and Σdy·x̂ (synchronised BatchNorm), so `dx` is this part's rows of the whole batch's
 * gradient and `dγ`, `dβ` are this part's shares of it (they add up over the threads).
 *
 * @returns `y` (differentiable w.r.t. x, γ, β), the `mean` and `variance` of this thread's
 *   `x` alone (not differentiated, and marked kept: not freed by an enclosing tidy; the caller
 *   owns them) and, with `sync`, the `whole` batch's moments it normalised with.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  sync: BatchNormSync | null = null,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D; whole?: BatchMoments } {
  const c = x.shape[x.rank - 1];
  const perChannel = (t: tf.Tensor) => t.rank === 1 && t.shape[0] === c && t.dtype === 'float32';
  // The SIMD kernels are instantiated on demand, but registered only by
  // registerWasmTrainingKernels (useBackend('wasm')): check both.
  const simd =
    simdKernelsActive() &&
    tf.getKernel(BATCH_NORM_TRAINING, 'wasm') !== undefined &&
    x.dtype === 'float32' &&
    perChannel(gamma) &&
    perChannel(beta);
  const count = c > 0 ? x.size / c : 0;
  // Statistics are computed inside the custom op, so the gradient tape records none of it;
  // they leave through `stats` (kept, so the op's tidy does not free them).
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  let whole: BatchMoments | undefined;
  const forward = tf.customGrad(((
    xs: tf.Tensor,
    g: tf.Tensor,
    b: tf.Tensor,
    save: tf.GradSaveFunc,
  ) => {
    let y: tf.Tensor;
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    let normMean: tf.Tensor;
    let normVariance: tf.Tensor;
    if (sync) {
      [mean, variance] = simd
        ? (tf
            .engine()
            .runKernel(
              BATCH_NORM_TRAINING,
              { x: xs, gamma: g, beta: b },
              { epsilon, statisticsOnly: true },
            ) as tf.Tensor[])
        : momentsFromOps(xs);
      whole = sync.combineMoments({
        mean: mean.dataSync() as Float32Array,
        variance: variance.dataSync() as Float32Array,
        count,
      });
      normMean = tf.tensor1d(whole.mean, 'float32');
      normVariance = tf.tensor1d(whole.variance, 'float32');
      y = tf.batchNorm(xs, normMean, normVariance, b, g, epsilon);
    } else {
      [y, mean, variance] = simd
        ? (tf
            .engine()
            .runKernel(
              BATCH_NORM_TRAINING,
              { x: xs, gamma: g, beta: b },
              { epsilon },
            ) as tf.Tensor[])
        : batchNormFromOps(xs, g, b, epsilon);
      normMean = mean;
      normVariance = variance;
    }
    save([xs, g, normMean, normVariance]);
    stats = [tf.keep(tf.clone(mean)) as tf.Tensor1D, tf.keep(tf.clone(variance)) as tf.Tensor1D];
    return {
      value: y,
      gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dy = Array.isArray(dys) ? dys[0] : dys;
        const [xsv, gv, mv, vv] = saved;
        if (simd && simdKernelsActive() && dy.dtype === 'float32') {
          const grads = tf
            .engine()
            .runKernel(
              BATCH_NORM_TRAINING_GRAD,
              { dy, x: xsv, mean: mv, variance: vv, gamma: gv },
              { epsilon },
            ) as tf.Tensor[];
          return sync
            ? synchroniseSimdGrad(grads, xsv, gv, mv, vv, epsilon, count, whole!.count, sync)
            : grads;
        }
        return batchNormGradFromOps(
          dy,
          xsv,
          gv,
          mv,
          vv,
          epsilon,
          sync && { sync, total: whole!.count },
        );
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = forward(x, gamma, beta);
  const [mean, variance] = stats!;
  return whole ? { y, mean, variance, whole } : { y, mean, variance };
}

/**
 * The SIMD backward ran with this thread's `m` rows only: `dx_local = k·(dy − Σ_l dy/m −
 * x̂·Σ_l dy·x̂/m)`. The whole batch's gradient replaces the local means by the whole batch's,
 * a per-channel affine correction in `x − mean`:
 * `dx = dx_local + k·(Σ_l dy/m − Σ dy/N) + k·rstd·(Σ_l dy·x̂/m − Σ dy·x̂/N)·(x − mean)`.
 */
function synchroniseSimdGrad(
  [dxLocal, dGamma, dBeta]: tf.Tensor[],
  x: tf.Tensor,
  gamma: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  epsilon: number,
  m: number,
  total: number,
  sync: BatchNormSync,
): tf.Tensor[] {
  const localGamma = dGamma.dataSync() as Float32Array;
  const localBeta = dBeta.dataSync() as Float32Array;
  const [sumGamma, sumBeta] = sync.sum(localGamma, localBeta);
  const g = gamma.dataSync();
  const v = variance.dataSync();
  const c = g.length;
  const offset = new Float32Array(c);
  const scale = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const rstd = 1 / Math.sqrt(v[k] + epsilon);
    const kk = g[k] * rstd;
    offset[k] = m > 0 ? kk * (localBeta[k] / m - sumBeta[k] / total) : 0;
    scale[k] = m > 0 ? kk * rstd * (localGamma[k] / m - sumGamma[k] / total) : 0;
  }
  const dx = tf.tidy(() =>
    tf.add(
      dxLocal,
      tf.batchNorm(
        x,
        mean,
        tf.fill([c], 1 - epsilon),
        tf.tensor1d(offset, 'float32'),
        tf.tensor1d(scale, 'float32'),
        epsilon,
      ),
    ),
  );
  dxLocal.dispose();
  return [dx, dGamma, dBeta];
}

/** `[mean, variance]` (biased) over all but the channel axis, from tfjs ops. */
function momentsFromOps(xs: tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  const c = xs.shape[xs.rank - 1];
  const n = xs.size / c;
  const x2 = tf.reshape(xs, [n, c]) as tf.Tensor2D;
  const mean2 = tf.div(columnSums(x2), n);
  const centred = tf.sub(x2, mean2);
  const variance = tf.reshape(tf.div(columnSums(tf.mul(centred, centred) as tf.Tensor2D), n), [
    c,
  ]) as tf.Tensor1D;
  return [tf.reshape(mean2, [c]) as tf.Tensor1D, variance];
}

/** `[y, mean, variance]` of training-mode batch norm from tfjs ops. */
function batchNormFromOps(
  xs: tf.Tensor,
  g: tf.Tensor,
  b: tf.Tensor,
  epsilon: number,
): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  const [mean, variance] = momentsFromOps(xs);
  return [tf.batchNorm(xs, mean, variance, b, g, epsilon), mean, variance];
}

/**
 * `[dx, dγ, dβ]` of training-mode batch norm from tfjs ops; with `sync`, `dx` from the whole
 * batch's Σdy and Σdy·x̂ and `dγ`, `dβ` this thread's shares.
 */
function batchNormGradFromOps(
  dy: tf.Tensor,
  xs: tf.Tensor,
  g: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  epsilon: number,
  synced: { sync: BatchNormSync; total: number } | null = null,
): tf.Tensor[] {
  const c = xs.shape[xs.rank - 1];
  const m = xs.size / c;
  const xhat = tf.batchNorm(xs, mean, variance, undefined, undefined, epsilon);
  const localBeta = sumToChannels(dy);
  const localGamma = sumToChannels(tf.mul(dy, xhat));
  let dBeta = localBeta;
  let dGamma = localGamma;
  let n = m;
  if (synced) {
    const [sg, sb] = synced.sync.sum(localGamma.dataSync(), localBeta.dataSync());
    dGamma = tf.tensor1d(sg, 'float32');
    dBeta = tf.tensor1d(sb, 'float32');
    n = synced.total;
  }
  const k1 = tf.mul(g, tf.rsqrt(tf.add(variance, epsilon)));
  // dx = k1·dy − k1·mean(dy) − k1·mean(dy·x̂)·x̂, as two fused batchNorm ops and an add.
  const a = tf.batchNorm(
    dy,
    tf.zeros([c]),
    tf.fill([c], 1 - epsilon),
    tf.neg(tf.mul(k1, tf.div(dBeta, n))),
    k1,
    epsilon,
  );
  const bterm = tf.batchNorm(
    xs,
    mean,
    variance,
    undefined,
    tf.neg(tf.mul(k1, tf.div(dGamma, n))),
    epsilon,
  );
  return [tf.add(a, bterm), localGamma, localBeta];
}

/**
 * BatchNorm statistics gathered in accumulation mode, as plain numbers (they cross threads):
 * per channel Σx and Σx² over `count` positions (images × height × width).
 */
export interface BatchNormAccumulation {
  readonly sum: Float32Array;
  readonly sumSq: Float32Array;
  readonly count: number;
}

/** Construction config of {@link BatchNorm}. */
export interface BatchNormConfig {
  /** Added to the variance. @defaultValue 1e-5 (PyTorch) */
  readonly epsilon?: number;
  /**
   * Keras-style momentum: `moving = momentum·moving + (1 − momentum)·batch`.
   * @defaultValue 0.9 (PyTorch's `momentum=0.1`)
   */
  readonly momentum?: number;
  readonly name?: string;
  readonly trainable?: boolean;
}

/**
 * Batch normalisation over the channel axis with PyTorch's semantics: in training it normalises
 * with the batch's biased variance and updates the moving variance with the unbiased one
 * (n/(n−1)), as `nn.BatchNorm2d` does; in inference it uses the moving statistics.
 *
 * Input shape: `[batch, h, w, c]` (or `[batch, c]`). Output shape: the same.
 * Weights: `gamma`, `beta` (trainable), `moving_mean`, `moving_variance` (not trainable).
 */
export class BatchNorm extends layers.Layer {
  static readonly className = 'PatchfxBatchNorm';
  readonly epsilon: number;
  readonly momentum: number;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;
  private movingMean: LayerVariable | null = null;
  private movingVariance: LayerVariable | null = null;
  private accumulator: { sum: tf.Tensor | null; sumSq: tf.Tensor | null; count: number } | null =
    null;
  private sync: BatchNormSync | null = null;

  constructor(config: BatchNormConfig = {}) {
    super({ name: config.name, trainable: config.trainable });
    this.epsilon = config.epsilon ?? 1e-5;
    this.momentum = config.momentum ?? 0.9;
    this.supportsMasking = false;
  }

  /** Channels normalised (known once built). */
  get channels(): number {
    return this.gamma?.shape[0] ?? 0;
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const shape = singleShape(inputShape);
    const c = shape[shape.length - 1];
    if (c == null) throw new Error(`${this.name}: the channel axis must be known`);
    this.gamma = this.addWeight('gamma', [c], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', initializers.zeros());
    this.movingMean = this.addWeight(
      'moving_mean',
      [c],
      'float32',
      initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'moving_variance',
      [c],
      'float32',
      initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = single(inputs);
    const gamma = this.gamma!.read();
    const beta = this.beta!.read();
    if (kwargs?.training !== true) {
      return tf.tidy(() =>
        tf.batchNorm(
          x,
          this.movingMean!.read(),
          this.movingVariance!.read(),
          beta,
          gamma,
          this.epsilon,
        ),
      );
    }
    return tf.tidy(() => {
      const c = x.shape[x.rank - 1];
      const n = x.size / c;
      const { y, mean, variance, whole } = batchNormTraining(
        x,
        gamma,
        beta,
        this.epsilon,
        this.sync,
      );
      if (this.accumulator) {
        // Micro-batch: gather Σx and Σx² (from the batch moments) for one update at commit.
        const a = this.accumulator;
        const sum = tf.mul(mean, n);
        const sumSq = tf.mul(tf.add(variance, tf.square(mean)), n);
        this.accumulator = {
          sum: tf.keep(a.sum ? tf.add(a.sum, sum) : sum),
          sumSq: tf.keep(a.sumSq ? tf.add(a.sumSq, sumSq) : sumSq),
          count: a.count + n,
        };
        tf.dispose([a.sum, a.sumSq].filter((t): t is tf.Tensor => t != null));
      } else if (whole) {
        this.updateMovingStats(
          tf.tensor1d(whole.mean, 'float32'),
          tf.tensor1d(whole.variance, 'float32'),
          whole.count,
        );
      } else {
        this.updateMovingStats(mean, variance, n);
      }
      tf.dispose([mean, variance]); // kept by batchNormTraining, so this tidy would not free them
      return y;
    });
  }

  private updateMovingStats(mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    tf.tidy(() => {
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      const m = this.momentum;
      this.movingMean!.write(tf.add(tf.mul(this.movingMean!.read(), m), tf.mul(mean, 1 - m)));
      this.movingVariance!.write(
        tf.add(tf.mul(this.movingVariance!.read(), m), tf.mul(unbiased, 1 - m)),
      );
    });
  }

  /**
   * Starts gradient-accumulation mode: training calls normalise each micro-batch with its own
   * statistics (as data-parallel PyTorch does per device) but defer the moving-average update;
   * {@link BatchNorm.commitAccumulation} then applies one update with the statistics of the
   * whole batch, exactly what one big batch would have given.
   */
  beginAccumulation(): void {
    this.discardAccumulation();
    this.accumulator = { sum: null, sumSq: null, count: 0 };
  }

  /**
   * Applies the moving-average update for everything seen since {@link BatchNorm.beginAccumulation}.
   *
   * @param replace - Set the moving statistics to the accumulated ones instead of blending
   *   them in with the momentum ("precise BN": exact population statistics of the batches seen).
   */
  commitAccumulation(replace = false): void {
    const a = this.accumulator;
    this.accumulator = null;
    if (!a || !a.sum || !a.sumSq || a.count === 0) return;
    const { sum, sumSq, count } = a;
    tf.tidy(() => {
      const mean = tf.div(sum, count);
      const variance = tf.relu(tf.sub(tf.div(sumSq, count), tf.square(mean)));
      if (replace) {
        this.movingMean!.write(mean);
        this.movingVariance!.write(count > 1 ? tf.mul(variance, count / (count - 1)) : variance);
      } else {
        this.updateMovingStats(mean, variance, count);
      }
    });
    tf.dispose([sum, sumSq]);
  }

  /**
   * The statistics gathered since {@link BatchNorm.beginAccumulation}, as plain arrays: per
   * channel Σx and Σx² over every position of every image seen, and the number of positions.
   * With {@link BatchNorm.mergeAccumulation} it combines the statistics of replicas of this
   * layer that saw different parts of a batch (data-parallel training), so one commit still
   * gives the whole batch's exact statistics. Accumulation continues.
   *
   * @returns Copies (the caller owns them); null outside accumulation mode or before any
   *   training-mode call since it began.
   */
  async readAccumulation(): Promise<BatchNormAccumulation | null> {
    const a = this.accumulator;
    if (!a || !a.sum || !a.sumSq || a.count === 0) return null;
    const [sum, sumSq] = await Promise.all([a.sum.data(), a.sumSq.data()]);
    return {
      sum: Float32Array.from(sum as Float32Array),
      sumSq: Float32Array.from(sumSq as Float32Array),
      count: a.count,
    };
  }

  /**
   * Adds statistics read with {@link BatchNorm.readAccumulation} from a replica of this layer
   * to the current accumulation, as if this layer had seen those images too.
   *
   * @throws Outside accumulation mode, or when the channel count differs.
   */
  mergeAccumulation(stats: BatchNormAccumulation): void {
    const a = this.accumulator;
    if (!a) throw new Error(`${this.name}: mergeAccumulation needs beginAccumulation first`);
    const c = this.gamma?.shape[0];
    if (stats.sum.length !== c || stats.sumSq.length !== c) {
      throw new Error(
        `${this.name}: cannot merge statistics of ${stats.sum.length} channels into ${c}`,
      );
    }
    if (stats.count === 0) return;
    const [sum, sumSq] = tf.tidy(() => {
      const s = tf.tensor1d(stats.sum, 'float32');
      const q = tf.tensor1d(stats.sumSq, 'float32');
      return [a.sum ? tf.add(a.sum, s) : s, a.sumSq ? tf.add(a.sumSq, q) : q];
    });
    tf.dispose([a.sum, a.sumSq].filter((t): t is tf.Tensor => t != null));
    this.accumulator = { sum, sumSq, count: a.count + stats.count };
  }

  /**
   * Synchronises training-mode calls with replicas of this layer in other threads (see
   * `BatchNormSync`): each call normalises with the moments of every thread's input together
   * and back-propagates through them. Accumulated statistics stay this thread's own (they add
   * up over the threads, as without synchronisation). `null` ends it.
   *
   * Every replica must make the same training-mode calls in the same order while synchronised:
   * the data-parallel step sets and clears this around its forward/backward passes.
   */
  synchronise(sync: BatchNormSync | null): void {
    this.sync = sync;
  }

  /** Leaves accumulation mode without updating the moving statistics. */
  discardAccumulation(): void {
    const a = this.accumulator;
    this.accumulator = null;
    if (a) tf.dispose([a.sum, a.sumSq].filter((t): t is tf.Tensor => t != null));
  }

  override dispose(): ReturnType<layers.Layer['dispose']> {
    this.discardAccumulation();
    return super.dispose();
  }

  override computeOutputShape(
    inputShape: (number | null)[] | (number | null)[][],
  ): (number | null)[] {
    return singleShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, momentum: this.momentum };
  }
}
