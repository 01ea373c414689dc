/** Learning-rate policies of the reference (`--lr_policy`, spec §2.2). */
export const LR_POLICIES = Object.freeze(['constant', 'plateau'] as const);
export type LrPolicy = (typeof LR_POLICIES)[number];

/** Serializable state of {@link PlateauScheduler}. */
export interface PlateauState {
  readonly best: number;
  readonly numBadEpochs: number;
}

/**
 * PyTorch's `ReduceLROnPlateau` in mode `max` with the reference's settings: factor 0.1,
 * relative threshold 1e-4, cooldown 0, and a reduction skipped when it would change the rate
 * by less than `eps` (1e-6; the reference's `constant` policy sets eps = lr, so it never fires).
 */
export class PlateauScheduler {
  private best = -Infinity;
  private numBadEpochs = 0;

  constructor(
    readonly patience: number,
    readonly factor = 0.1,
    readonly threshold = 1e-4,
    readonly eps = 1e-6,
  ) {}

  /** Feeds one epoch's metric; returns the (possibly reduced) learning rate. */
  step(metric: number, lr: number): number {
    if (metric > this.best * (1 + this.threshold)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.numBadEpochs > this.patience) {
      this.numBadEpochs = 0;
      const next = lr * this.factor;
      if (lr - next > this.eps) return next;
    }
    return lr;
  }

  getState(): PlateauState {
    return { best: this.best, numBadEpochs: this.numBadEpochs };
  }

  setState(state: PlateauState): void {
    this.best = state.best ?? -Infinity;
    this.numBadEpochs = state.numBadEpochs ?? 0;
  }
}

/** Model-selection state of the training loop (spec §2.3). */
export interface SelectionState {
  readonly bestValMetric: number;
  readonly bestValEpoch: number;
}

/** What {@link decideAfterEpoch} decided for one epoch. */
export interface SelectionDecision extends SelectionState {
  /** The val metric strictly improved: save `bestval`. */
  readonly improved: boolean;
  /** Why training stops after this epoch, if it does. */
  readonly stop: null | 'patience' | 'perfect' | 'max_epochs';
}

/**
 * The reference's per-epoch model selection and early stopping, checked in its order: a strict
 * improvement saves `bestval`; otherwise stop after 5 × patience epochs without improvement,
 * at a perfect best value, or past `maxEpochs`.
 */
export function decideAfterEpoch(
  state: SelectionState,
  epoch: number,
  valMetric: number,
  options: { readonly patience: number; readonly maxEpochs?: number | null },
): SelectionDecision {
  if (valMetric > state.bestValMetric) {
    return { bestValMetric: valMetric, bestValEpoch: epoch, improved: true, stop: null };
  }
  let stop: SelectionDecision['stop'] = null;
  if (epoch > state.bestValEpoch + 5 * options.patience) stop = 'patience';
  else if (state.bestValMetric === 1) stop = 'perfect';
  else if (options.maxEpochs != null && epoch > options.maxEpochs) stop = 'max_epochs';
  return { ...state, improved: false, stop };
}
