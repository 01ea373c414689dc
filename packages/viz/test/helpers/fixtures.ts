import { readFileSync } from 'node:fs';

/** Reads a JSON fixture from `test/fixtures/`. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Reads a binary fixture from `test/fixtures/`. */
export function loadBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
}

/** Largest absolute difference and the number of differing entries. */
export function diffStats(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { max: number; count: number } {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) count++;
    if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Infinity : d;
  }
  return { max, count };
}
