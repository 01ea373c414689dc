import type { PlateauState } from './schedule.js';

/**
 * Training progress: what `trainPatchDiscriminator` reports and what a checkpoint stores to
 * resume from (`checkpoint.json`'s `state`). A type alias of plain JSON fields, so it is stored
 * as it is; read it back with {@link readTrainingState}.
 */
export type TrainingState = {
  /** Current epoch (0-based). */
  readonly epoch: number;
  /** Batches already done in the current epoch. */
  readonly stepInEpoch: number;
  /** Batches done in total. */
  readonly totalSteps: number;
  readonly bestValMetric: number;
  readonly bestValEpoch: number;
  readonly learningRate: number;
  readonly plateau?: PlateauState;
  readonly done?: boolean;
  readonly stopReason?: string;
};

const COUNTS = ['epoch', 'stepInEpoch', 'totalSteps', 'bestValEpoch'] as const;

/**
 * Validates the training state stored in a checkpoint (`manifest.state`).
 *
 * @param value - The stored state.
 * @param where - Names the file in errors, e.g. `'checkpoints/run/latest/checkpoint.json'`.
 * @returns The state, typed.
 * @throws When a field is missing or of the wrong kind (a converted checkpoint, or a damaged
 *   file); the message names the file and the field.
 *
 * @example
 * ```ts doctest
 * import { readTrainingState } from '@patchfx/models/train';
 * const state = { epoch: 2, stepInEpoch: 0, totalSteps: 40, bestValMetric: 0.9, bestValEpoch: 1, learningRate: 0.001 };
 * readTrainingState(state, 'run/latest/checkpoint.json').totalSteps; // => 40
 * ```
 */
export function readTrainingState(value: unknown, where: string): TrainingState {
  const bad = (field: string, v: unknown, expected: string) =>
    new Error(
      `${where} holds no training state to resume from: ${field} is ${JSON.stringify(v)}, expected ${expected}` +
        ' (a converted checkpoint, or a damaged file)',
    );
  if (typeof value !== 'object' || value === null) {
    throw bad('state', value, 'an object');
  }
  const s = value as Record<string, unknown>;
  for (const k of COUNTS) {
    if (!(Number.isInteger(s[k]) && (s[k] as number) >= 0)) {
      throw bad(k, s[k], 'a non-negative integer');
    }
  }
  for (const k of ['bestValMetric', 'learningRate'] as const) {
    if (!(typeof s[k] === 'number' && Number.isFinite(s[k]))) throw bad(k, s[k], 'a number');
  }
  const p = s.plateau as Record<string, unknown> | null | undefined;
  let plateau: PlateauState | undefined;
  if (p !== undefined) {
    // JSON writes the scheduler's initial best (-Infinity) as null.
    if (
      typeof p !== 'object' ||
      p === null ||
      !(p.best === null || typeof p.best === 'number') ||
      !(Number.isInteger(p.numBadEpochs) && (p.numBadEpochs as number) >= 0)
    ) {
      throw bad('plateau', p, '{ best: number, numBadEpochs: integer }');
    }
    plateau = {
      best: (p.best as number | null) ?? -Infinity,
      numBadEpochs: p.numBadEpochs as number,
    };
  }
  if (s.done !== undefined && typeof s.done !== 'boolean') throw bad('done', s.done, 'a boolean');
  if (s.stopReason !== undefined && typeof s.stopReason !== 'string') {
    throw bad('stopReason', s.stopReason, 'a string');
  }
  const state = s as TrainingState;
  return plateau ? { ...state, plateau } : state;
}
