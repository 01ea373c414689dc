/**
 * The seeded random source of the synthetic benchmark: sfc32 seeded through splitmix32.
 * Small, fast and identical on every platform (32-bit integer arithmetic only).
 */

/** A uniform random source on [0, 1): each call returns the next number. */
export type SceneRng = () => number;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Mixes integers into one 32-bit seed (order matters), e.g. a dataset seed, a class and an
 * image index.
 *
 * @param parts - Integers (only their low 32 bits are used).
 * @returns An unsigned 32-bit integer.
 *
 * @example
 * ```ts doctest
 * import { mixSeeds } from '@patchfx/data';
 * mixSeeds(1, 2) === mixSeeds(1, 2); // => true
 * mixSeeds(1, 2) === mixSeeds(2, 1); // => false
 * ```
 */
export function mixSeeds(...parts: readonly number[]): number {
  let h = 0x6a09e667;
  for (const p of parts) {
    const next = splitmix32((h ^ Math.imul(p | 0, 0x27d4eb2f)) >>> 0);
    h = next() ^ next();
  }
  return h >>> 0;
}

/**
 * A seeded uniform random source (sfc32, state filled by splitmix32). The same seed gives
 * the same sequence on every platform.
 *
 * @param seed - Any integer (low 32 bits used).
 * @returns A function returning the next number in [0, 1) on each call.
 *
 * @example
 * ```ts doctest
 * import { sceneRng } from '@patchfx/data';
 * const a = sceneRng(7);
 * const b = sceneRng(7);
 * a() === b(); // => true
 * const x = a();
 * x >= 0 && x < 1; // => true
 * ```
 */
export function sceneRng(seed: number): SceneRng {
  const init = splitmix32(seed >>> 0);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Uniform on [lo, hi). @internal */
export function uniform(rng: SceneRng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Standard normal (Box–Muller). @internal */
export function gaussian(rng: SceneRng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One element, uniformly. @internal */
export function pick<T>(rng: SceneRng, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(rng() * items.length))];
}
