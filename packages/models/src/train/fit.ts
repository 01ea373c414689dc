import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { batchNormLayers } from './accumulate.js';
import { Adam, type AdamConfig } from './adam.js';
import { PlateauScheduler, decideAfterEpoch, type LrPolicy } from './schedule.js';
import { resolveStepFunctions, type StepFunctions, type StepResult } from './step.js';
import type { CheckpointState } from '../io/checkpoint.js';
import type { TrainingState } from './state.js';

/** One batch from a data source. Tensors are owned (and disposed) by the training loop. */
export interface Batch {
  /** `[N, h, w, 3]` in [-1, 1]. */
  readonly images: tf.Tensor4D;
  /** `[N]` class ids. */
  readonly labels: tf.Tensor1D;
}

/** Where batches come from. */
export interface BatchSource {
  /**
   * The training batches of one epoch, starting at batch `start` (to resume mid-epoch). The
   * order must depend only on the epoch (and the source's seed), so a resumed run sees the
   * same batches.
   */
  trainEpoch(epoch: number, start: number): AsyncIterable<Batch>;
  /** The validation batches (same every epoch). */
  val(): AsyncIterable<Batch>;
}

/** Saves named checkpoints (`latest`, `bestval`, `<epoch>`); Node: `checkpointSaver(dir)`. */
export interface CheckpointSink {
  save(
    tag: string,
    contents: { model: LayersModel; optimizer: Adam; state: CheckpointState },
  ): Promise<void>;
  /** Called when `bestval` improves (the reference appends to `bestval_ep.txt`). */
  onBestVal?(epoch: number, value: number): Promise<void>;
}

/** Construction config of {@link trainPatchDiscriminator}; defaults are the reference's. */
export interface FitConfig {
  /** @defaultValue 'constant' */
  readonly lrPolicy: LrPolicy;
  /** Epochs without improvement before a plateau LR drop; early stop after 5×. @defaultValue 10 */
  readonly patience: number;
  /** Stop after this epoch (when not improving). @defaultValue null (unlimited) */
  readonly maxEpochs: number | null;
  /** Stop after this many batches in total (beyond the reference; for budgets). @defaultValue null */
  readonly maxSteps: number | null;
  /** Save `latest` every this many batches. @defaultValue 1000 */
  readonly saveLatestFreq: number;
  /** Save `latest` and `<epoch>` every this many epochs. @defaultValue 100 */
  readonly saveEpochFreq: number;
  /** Images per forward/backward pass (gradient accumulation below the batch). @defaultValue whole batch */
  readonly microBatchSize: number | null;
  /** Adam settings. @defaultValue lr 0.001, beta1 0.9 */
  readonly adam: Partial<AdamConfig>;
  /**
   * Before each validation, recompute BatchNorm's moving statistics exactly from this many
   * training batches ("precise BN", beyond the reference). Short runs need it: until a few
   * hundred steps have passed, the moving averages still carry their initial values and
   * inference-mode (validation) outputs are meaningless. 0 keeps the reference's behaviour.
   * @defaultValue 0
   */
  readonly preciseBnBatches: number;
  /**
   * Call {@link FitCallbacks.onDisplay} every this many batches (counted over the whole run, as
   * the step numbers). Without an `onDisplay` callback nothing happens.
   * @defaultValue 1000 (the reference's `display_freq`)
   */
  readonly displayFreq: number;
}

/** Defaults of {@link FitConfig} (the reference's `train_options`). */
export const DEFAULT_FIT_CONFIG: Readonly<FitConfig> = Object.freeze({
  lrPolicy: 'constant',
  patience: 10,
  maxEpochs: null,
  maxSteps: null,
  saveLatestFreq: 1000,
  saveEpochFreq: 100,
  microBatchSize: null,
  adam: Object.freeze({}),
  preciseBnBatches: 0,
  displayFreq: 1000,
});

/** Logged after every training batch. Plain numbers. */
export interface StepLog extends StepResult {
  readonly epoch: number;
  readonly step: number;
  readonly stepInEpoch: number;
  readonly lr: number;
  /** Training throughput of this batch (images / second, step only). */
  readonly imagesPerSecond: number;
  /** Seconds waited for the data source before this batch. */
  readonly dataSeconds: number;
}

/** Logged after every epoch's validation. */
export interface EpochLog {
  readonly epoch: number;
  readonly step: number;
  readonly train: StepResult;
  readonly val: StepResult;
  readonly lr: number;
  readonly improved: boolean;
  readonly bestValMetric: number;
  readonly bestValEpoch: number;
  readonly seconds: number;
}

/** What {@link FitCallbacks.onDisplay} receives: the batch about to be trained on. */
export interface DisplayBatch {
  /**
   * `[N, h, w, 3]` in [-1, 1]. Borrowed: valid until the callback's promise settles; the loop
   * disposes it (the callback must not).
   */
  readonly images: tf.Tensor4D;
  /** `[N]` class ids. Borrowed, as `images`. */
  readonly labels: tf.Tensor1D;
  readonly epoch: number;
  /** The step this batch's {@link StepLog} will carry (batches done, this one included). */
  readonly step: number;
  readonly stepInEpoch: number;
}

/** Callbacks; awaited outside any tidy. */
export interface FitCallbacks {
  onStep?(log: StepLog): void | Promise<void>;
  /**
   * Every `displayFreq` batches, before the batch is trained on: the model still holds the
   * weights the step's forward pass uses (the reference draws its training visuals from that
   * pass's logits; `trainingLogits` gives them). Awaited; the step waits for it.
   */
  onDisplay?(batch: DisplayBatch): void | Promise<void>;
  onEpochEnd?(log: EpochLog): void | Promise<void>;
  onCheckpoint?(tag: string, state: TrainingState): void | Promise<void>;
}

/** Everything {@link trainPatchDiscriminator} needs. */
export interface FitOptions {
  readonly model: LayersModel;
  readonly data: BatchSource;
  readonly checkpoints?: CheckpointSink;
  readonly config?: Partial<FitConfig>;
  /** Resume from a saved state (and optimizer state). */
  readonly resume?: { readonly state: TrainingState; readonly optimizer?: Adam };
  /**
   * The step functions to call, e.g. a data-parallel trainer from `createDataParallel`
   * (`@patchfx/models/node`), which has all three.
   * @defaultValue `trainStep`, `evalStep` and `recalibrateBatchNorm` on the calling thread
   */
  readonly steps?: Partial<StepFunctions>;
  /**
   * Stops training early (a program's Ctrl-C): once aborted, the loop finishes the batch in
   * flight (or abandons the precise-BN pass or validation under way), saves `latest` at the
   * step reached — a checkpoint that resumes there, like the periodic one — and returns with
   * `stopReason` `'interrupted'` and `state.done` unset.
   */
  readonly signal?: AbortSignal;
}

/** Result of {@link trainPatchDiscriminator}. */
export interface FitResult {
  readonly state: TrainingState;
  readonly stopReason: string;
}

function weightedMean(results: StepResult[]): StepResult {
  const n = results.reduce((a, r) => a + r.n, 0);
  const m = (k: 'loss' | 'raw' | 'voted' | 'avg') =>
    n ? results.reduce((a, r) => a + r[k] * r.n, 0) / n : NaN;
  return { loss: m('loss'), raw: m('raw'), voted: m('voted'), avg: m('avg'), n };
}

/** The val metrics, or null when `signal` aborted validation. */
async function validate(
  model: LayersModel,
  data: BatchSource,
  evalStep: StepFunctions['evalStep'],
  signal: AbortSignal | undefined,
): Promise<StepResult | null> {
  const results: StepResult[] = [];
  for await (const b of data.val()) {
    try {
      if (signal?.aborted) return null;
      results.push(await evalStep(model, b.images, b.labels));
    } finally {
      tf.dispose([b.images, b.labels]);
    }
  }
  if (signal?.aborted) return null;
  if (results.length === 0)
    throw new Error('validation produced no batches: is the val split empty?');
  return weightedMean(results);
}

/**
 * The reference's training loop for patch discriminators (and full-image baselines): per-patch
 * cross-entropy with Adam on paired real/fake batches; validation after every epoch with the
 * three accuracies; `bestval` on strict improvement of the val raw-patch accuracy; early stop
 * after 5 × patience epochs without improvement, at perfect accuracy, or past `maxEpochs`;
 * `latest` every `saveLatestFreq` batches and at epoch ends; numbered checkpoints every
 * `saveEpochFreq` epochs; a final `latest` + `<epoch>` at the end (spec §2).
 *
 * Resuming (`options.resume`) continues at the saved epoch and batch, with the saved optimizer
 * state, learning rate and best value. `options.signal` interrupts it (see {@link FitOptions}).
 *
 * @returns The final state. Tensors: none returned; the model is trained in place.
 */
export async function trainPatchDiscriminator(
  options: FitOptions,
  callbacks: FitCallbacks = {},
): Promise<FitResult> {
  const config: FitConfig = { ...DEFAULT_FIT_CONFIG, ...options.config };
  const { model, data, checkpoints } = options;
  const steps = resolveStepFunctions(options.steps);
  const optimizer = options.resume?.optimizer ?? new Adam(config.adam);
  const plateau = new PlateauScheduler(config.lrPolicy === 'plateau' ? config.patience : Infinity);
  let state: TrainingState = options.resume?.state ?? {
    epoch: 0,
    stepInEpoch: 0,
    totalSteps: 0,
    bestValMetric: 0,
    bestValEpoch: 0,
    learningRate: optimizer.learningRate,
  };
  optimizer.learningRate = state.learningRate;
  if (state.plateau) plateau.setState(state.plateau);
  const snapshot = (s: TrainingState): TrainingState => ({ ...s, plateau: plateau.getState() });
  const save = async (tag: string, s: TrainingState) => {
    if (!checkpoints) return;
    const st = snapshot(s);
    await checkpoints.save(tag, { model, optimizer, state: st });
    await callbacks.onCheckpoint?.(tag, st);
  };
  const { signal } = options;
  const interrupted = () => signal?.aborted === true;
  let stopReason = '';
  /** Set when an interrupt ended the loop (before the epoch's validation was complete). */
  let cut = false;
  try {
    while (!stopReason) {
      const epochStart = performance.now();
      const trainResults: StepResult[] = [];
      let waitStart = performance.now();
      // Batches done in this epoch before this call (a resume can start at its very end).
      const startedAt = state.stepInEpoch;
      if (interrupted()) {
        cut = true;
        break;
      }
      for await (const batch of data.trainEpoch(state.epoch, state.stepInEpoch)) {
        const reached = config.maxSteps != null && state.totalSteps >= config.maxSteps;
        if (reached || interrupted()) {
          // A resumed run that had reached max_steps goes on to validate; an interrupt stops.
          if (reached) stopReason = 'max_steps';
          else cut = true;
          tf.dispose([batch.images, batch.labels]);
          break;
        }
        const dataSeconds = (performance.now() - waitStart) / 1000;
        let t0 = performance.now();
        let result: StepResult;
        try {
          const next = state.totalSteps + 1;
          if (callbacks.onDisplay && next % config.displayFreq === 0) {
            await callbacks.onDisplay({
              images: batch.images,
              labels: batch.labels,
              epoch: state.epoch,
              step: next,
              stepInEpoch: state.stepInEpoch + 1,
            });
            t0 = performance.now();
          }
          result = await steps.trainStep(model, optimizer, batch.images, batch.labels, {
            microBatchSize: config.microBatchSize ?? undefined,
          });
        } finally {
          tf.dispose([batch.images, batch.labels]);
        }
        const seconds = (performance.now() - t0) / 1000;
        trainResults.push(result);
        state = { ...state, stepInEpoch: state.stepInEpoch + 1, totalSteps: state.totalSteps + 1 };
        await callbacks.onStep?.({
          ...result,
          epoch: state.epoch,
          step: state.totalSteps,
          stepInEpoch: state.stepInEpoch,
          lr: optimizer.learningRate,
          imagesPerSecond: result.n / seconds,
          dataSeconds,
        });
        if (state.totalSteps % config.saveLatestFreq === 0) await save('latest', state);
        if (config.maxSteps != null && state.totalSteps >= config.maxSteps) {
          stopReason = 'max_steps';
          break;
        }
        if (interrupted()) break;
        waitStart = performance.now();
      }
      if (interrupted() && !stopReason) {
        cut = true;
        break;
      }
      if (trainResults.length === 0 && startedAt === 0 && !stopReason) {
        throw new Error(
          `epoch ${state.epoch} produced no training batches: is the train split empty?`,
        );
      }
      if (config.preciseBnBatches > 0) {
        const batches: tf.Tensor4D[] = [];
        try {
          for await (const b of data.trainEpoch(state.epoch, 0)) {
            batches.push(b.images);
            b.labels.dispose();
            if (batches.length >= config.preciseBnBatches || interrupted()) break;
          }
          if (!interrupted()) await steps.recalibrateBatchNorm(model, batches);
        } finally {
          tf.dispose(batches);
        }
        if (interrupted()) {
          cut = true;
          break;
        }
      }
      const val = await validate(model, data, steps.evalStep, signal);
      if (!val) {
        cut = true;
        break;
      }
      const decision = decideAfterEpoch(state, state.epoch, val.raw, config);
      state = {
        ...state,
        bestValMetric: decision.bestValMetric,
        bestValEpoch: decision.bestValEpoch,
      };
      if (decision.improved) {
        await save('bestval', state);
        await checkpoints?.onBestVal?.(state.epoch, val.raw);
      }
      if (!stopReason && decision.stop) stopReason = decision.stop;
      await callbacks.onEpochEnd?.({
        epoch: state.epoch,
        step: state.totalSteps,
        train: trainResults.length
          ? weightedMean(trainResults)
          : { loss: NaN, raw: NaN, voted: NaN, avg: NaN, n: 0 },
        val,
        lr: optimizer.learningRate,
        improved: decision.improved,
        bestValMetric: state.bestValMetric,
        bestValEpoch: state.bestValEpoch,
        seconds: (performance.now() - epochStart) / 1000,
      });
      if (stopReason) break;
      if (state.epoch % config.saveEpochFreq === 0 && state.epoch > 0) {
        await save('latest', state);
        await save(String(state.epoch), state);
      }
      optimizer.learningRate = plateau.step(val.raw, optimizer.learningRate);
      state = {
        ...state,
        epoch: state.epoch + 1,
        stepInEpoch: 0,
        learningRate: optimizer.learningRate,
      };
      await save('latest', state);
    }
    if (cut) {
      // Interrupted: `latest` at the step reached, not done (resuming continues from here).
      await save('latest', state);
      return { state: snapshot(state), stopReason: 'interrupted' };
    }
    state = { ...state, done: true, stopReason, learningRate: optimizer.learningRate };
    await save('latest', state);
    await save(String(state.epoch), state);
    return { state: snapshot(state), stopReason };
  } finally {
    if (!options.resume?.optimizer) optimizer.dispose();
  }
}

/**
 * The logits of a training-mode forward pass, each BatchNorm normalising with the batch's own
 * statistics as the training step's forward pass does, that leaves the moving statistics as
 * they were. No gradients. This is what the reference draws its training visuals from (the
 * step's own logits); call it from {@link FitCallbacks.onDisplay}, before the update.
 *
 * Input shape: `[N, h, w, 3]` in [-1, 1]. Output shape: `[N, h', w', 2]` (a patch model) or
 * `[N, 2]`.
 *
 * @param model - The model (on the calling thread).
 * @param images - The batch. Not disposed.
 * @returns The logits. The caller owns the returned tensor.
 */
export function trainingLogits(model: LayersModel, images: tf.Tensor4D): tf.Tensor {
  const norms = batchNormLayers(model);
  for (const l of norms) l.beginAccumulation();
  try {
    return tf.tidy(() => model.apply(images, { training: true }) as tf.Tensor);
  } finally {
    for (const l of norms) l.discardAccumulation();
  }
}
