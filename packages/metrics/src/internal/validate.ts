/** Input checks shared by every metric. Each error names the function and the argument. */

/** Copies `x` into a Float64Array after checking it is non-empty and finite everywhere. */
export function finiteArray(x: ArrayLike<number>, name: string, fn: string): Float64Array {
  if (x == null || typeof x.length !== 'number') {
    throw new TypeError(`${fn}: ${name} must be an array of numbers`);
  }
  if (x.length === 0) throw new Error(`${fn}: ${name} is empty`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(
        `${fn}: ${name}[${i}] is ${String(v)}; every value must be a finite number` +
          (Number.isNaN(v) ? ' (NaN scores usually mean the model diverged)' : ''),
      );
    }
    out[i] = v;
  }
  return out;
}

/** Fails unless the two arrays have the same length. */
export function sameLength(a: number, b: number, names: string, fn: string): void {
  if (a !== b) throw new Error(`${fn}: length mismatch between ${names}: ${a} vs ${b}`);
}

/**
 * Checks binary labels the way scikit-learn's `average_precision_score` does: exactly two
 * distinct values, `posLabel` one of them. One class only is an error (AP, PR and ROC are
 * undefined), more than two classes too.
 *
 * @returns A 0/1 mask of the positives.
 */
export function binaryTargets(
  labels: Float64Array,
  posLabel: number,
  fn: string,
  name = 'yTrue',
): Uint8Array {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length && seen.size <= 2; i++) seen.add(labels[i]);
  const classes = [...seen].sort((a, b) => a - b);
  if (classes.length === 1) {
    throw new Error(
      `${fn}: ${name} contains one class only (every label is ${classes[0]}); the metric is ` +
        'undefined without both positives and negatives (for a one-class folder use ' +
        'computeSingleClassMetrics or classAccuracy)',
    );
  }
  if (classes.length > 2) {
    throw new Error(`${fn}: ${name} must be binary, got more than two classes (${classes})`);
  }
  if (!classes.includes(posLabel)) {
    throw new Error(
      `${fn}: posLabel=${posLabel} is not a label of ${name}; it must be one of ${classes.join(' | ')}`,
    );
  }
  const pos = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) pos[i] = labels[i] === posLabel ? 1 : 0;
  return pos;
}

/** Checks that every label is a class id 0 or 1 (channel index = class id). */
export function classIds(labels: ArrayLike<number>, fn: string, name = 'labels'): Uint8Array {
  if (labels == null || typeof labels.length !== 'number') {
    throw new TypeError(`${fn}: ${name} must be an array of class ids`);
  }
  if (labels.length === 0) throw new Error(`${fn}: ${name} is empty`);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) {
      throw new Error(`${fn}: ${name}[${i}] is ${String(v)}; class ids must be 0 | 1`);
    }
    out[i] = v;
  }
  return out;
}

/** Fails unless `x` is 0 or 1. */
export function classId(x: unknown, what: string, fn: string): 0 | 1 {
  if (x !== 0 && x !== 1)
    throw new Error(`${fn}: ${what} must be one of 0 | 1, got ${JSON.stringify(x)}`);
  return x;
}
