/**
 * The approximate check behind `// ≈ value` and `// => ~value` in doctest fences.
 */

/** Where two values first differ, as a path like `[2].ap`, or `undefined` when they agree. */
export function findMismatch(
  actual: unknown,
  expected: unknown,
  atol: number,
  path = '',
): string | undefined {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number')
      return `${path || 'value'}: expected a number, got ${describe(actual)}`;
    if (Number.isNaN(expected)) {
      return Number.isNaN(actual) ? undefined : `${path || 'value'}: expected NaN, got ${actual}`;
    }
    if (!Number.isFinite(expected)) {
      return actual === expected
        ? undefined
        : `${path || 'value'}: expected ${expected}, got ${actual}`;
    }
    return Math.abs(actual - expected) <= atol
      ? undefined
      : `${path || 'value'}: expected ${expected} ± ${atol}, got ${actual} (off by ${Math.abs(actual - expected)})`;
  }
  if (isArrayLike(expected)) {
    if (!isArrayLike(actual))
      return `${path || 'value'}: expected an array, got ${describe(actual)}`;
    if (actual.length !== expected.length) {
      return `${path || 'value'}: expected length ${expected.length}, got ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const m = findMismatch(actual[i], expected[i], atol, `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') {
      return `${path || 'value'}: expected an object, got ${describe(actual)}`;
    }
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
    for (const k of keys) {
      if (!(k in e)) return `${path}.${k}: not expected, got ${describe(a[k])}`;
      if (!(k in a)) return `${path}.${k}: missing`;
      const m = findMismatch(a[k], e[k], atol, `${path}.${k}`);
      if (m) return m;
    }
    return undefined;
  }
  return Object.is(actual, expected)
    ? undefined
    : `${path || 'value'}: expected ${describe(expected)}, got ${describe(actual)}`;
}

/**
 * Fails unless `actual` matches `expected` within `atol`: numbers by |a − e| ≤ atol (NaN
 * matches NaN, ±Infinity only itself), arrays and typed arrays elementwise with equal lengths,
 * plain objects key by key with the same keys, anything else by `Object.is`.
 *
 * @param where - Location and expression, for the error message.
 * @throws Error naming the first differing element.
 */
export function expectClose(actual: unknown, expected: unknown, atol: number, where: string): void {
  const mismatch = findMismatch(actual, expected, atol);
  if (mismatch !== undefined) throw new Error(`${where}\n  ${mismatch}`);
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v))
    return `[${v.length > 8 ? `${v.slice(0, 8).join(', ')}, …` : v.join(', ')}]`;
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
