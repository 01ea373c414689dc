import * as tf from '@tensorflow/tfjs-core';

/** Construction config of {@link Adam}. Defaults are the reference's (`--lr`, `--beta1`). */
export interface AdamConfig {
  /** @defaultValue 0.001 */
  readonly learningRate: number;
  /** @defaultValue 0.9 */
  readonly beta1: number;
  /** @defaultValue 0.999 */
  readonly beta2: number;
  /** @defaultValue 1e-8 (PyTorch; tfjs's own Adam uses 1e-7) */
  readonly epsilon: number;
}

/** Defaults of {@link AdamConfig}. */
export const DEFAULT_ADAM_CONFIG: Readonly<AdamConfig> = Object.freeze({
  learningRate: 0.001,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
});

/** Serializable optimizer state: step count and the moments, keyed by weight name. */
export interface AdamState {
  readonly step: number;
  readonly learningRate: number;
  /** First moments by weight name. Owned by whoever holds the state. */
  readonly m: ReadonlyMap<string, tf.Tensor>;
  /** Second moments by weight name. */
  readonly v: ReadonlyMap<string, tf.Tensor>;
}

/**
 * Adam exactly as `torch.optim.Adam` (no weight decay, no amsgrad), with its state keyed by
 * weight name so it can be saved, restored and matched against a model. The learning rate is
 * mutable (for plateau schedules). Owns its moment tensors: call {@link Adam.dispose}.
 */
export class Adam {
  readonly config: AdamConfig;
  learningRate: number;
  private stepCount = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(config: Partial<AdamConfig> = {}) {
    this.config = Object.freeze({ ...DEFAULT_ADAM_CONFIG, ...config });
    this.learningRate = this.config.learningRate;
  }

  /** Number of updates applied so far. */
  get step(): number {
    return this.stepCount;
  }

  /**
   * Applies one update. `grads` maps each variable's name to its gradient; `variables` maps
   * the same names to the variables to update. Does not dispose the gradients.
   */
  applyGradients(
    variables: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
  ): void {
    const { beta1, beta2, epsilon } = this.config;
    const t = this.stepCount + 1;
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    const stepSize = this.learningRate / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    tf.tidy(() => {
      for (const [name, g] of grads) {
        const p = variables.get(name);
        if (!p) throw new Error(`Adam: no variable named '${name}'`);
        let m = this.m.get(name);
        let v = this.v.get(name);
        if (!m || !v) {
          m = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
          v = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
          this.m.set(name, m);
          this.v.set(name, v);
        }
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v1), sqrtBc2), epsilon);
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(p, tf.mul(tf.div(m1, denom), stepSize)));
      }
    });
    this.stepCount = t;
  }

  /** A copy of the state. The caller owns the returned tensors. */
  getState(): AdamState {
    const copy = (src: Map<string, tf.Variable>) =>
      new Map([...src].map(([k, t]) => [k, tf.clone(t)] as [string, tf.Tensor]));
    return {
      step: this.stepCount,
      learningRate: this.learningRate,
      m: copy(this.m),
      v: copy(this.v),
    };
  }

  /** Replaces the state with a copy of `state` (which stays owned by the caller). */
  setState(state: AdamState): void {
    this.disposeMoments();
    for (const [k, t] of state.m)
      this.m.set(
        k,
        tf.tidy(() => tf.variable(tf.clone(t), false)),
      );
    for (const [k, t] of state.v)
      this.v.set(
        k,
        tf.tidy(() => tf.variable(tf.clone(t), false)),
      );
    this.stepCount = state.step;
    this.learningRate = state.learningRate;
  }

  private disposeMoments(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }

  /** Frees the moment tensors. */
  dispose(): void {
    this.disposeMoments();
  }
}
