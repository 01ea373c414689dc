import * as tf from '@tensorflow/tfjs-core';

/** Tolerances for {@link expectTensorClose}. */
export interface CloseOptions {
  /** Absolute tolerance. @defaultValue 1e-5 */
  readonly atol?: number;
  /** Relative tolerance. @defaultValue 1e-4 */
  readonly rtol?: number;
}

/** ‖a − b‖₂ / max(‖b‖₂, tiny): the relative error of `a` against the reference `b`. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** Fails unless every |a − b| ≤ atol + rtol·|b| (numpy's `allclose`). */
export function expectArrayClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: CloseOptions = {},
): void {
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-4;
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: got ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) !== Number.isNaN(e) || Math.abs(a - e) > atol + rtol * Math.abs(e)) {
      throw new Error(
        `arrays differ at index ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`,
      );
    }
  }
}

/** Fails unless the tensors have the same shape and close values. Disposes nothing. */
export async function expectTensorClose(
  actual: tf.Tensor,
  expected: tf.Tensor | ArrayLike<number>,
  options: CloseOptions = {},
): Promise<void> {
  if (expected instanceof tf.Tensor) {
    if (actual.shape.join(',') !== expected.shape.join(',')) {
      throw new Error(`shape mismatch: got [${actual.shape}], expected [${expected.shape}]`);
    }
    expectArrayClose(await actual.data(), await expected.data(), options);
  } else {
    expectArrayClose(await actual.data(), expected, options);
  }
}
