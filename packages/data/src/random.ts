/**
 * The one seeded random generator of `@patchfx/data`: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, 128-bit state) seeded through splitmix32. One seed gives one sequence of
 * crops, flips, pairings and batches, in the browser and in Node alike.
 */

/** A seeded pseudo-random generator. Not cryptographic. */
export interface Rng {
  /** The next 32-bit unsigned integer. */
  nextUint32(): number;
  /** A float in [0, 1) with 32 bits of randomness (Python's `random.random()` role). */
  random(): number;
  /** A float in [lo, hi) (Python's `random.uniform`). */
  uniform(lo: number, hi: number): number;
  /** An integer in [lo, hi], both ends included (Python's `random.randint`), without bias. */
  int(lo: number, hi: number): number;
  /** True with probability `p`: `random() < p`. */
  bool(p?: number): boolean;
  /** A standard normal deviate (Box–Muller). */
  normal(): number;
  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[];
  /** A new generator whose stream is independent of this one's; advances this one by 4 draws. */
  fork(): Rng;
  /** A 32-bit seed drawn from this generator, to hand to another thread or process. */
  seed(): number;
}

const M = 0x9e3779b9;

function splitmix32(state: number): [number, number] {
  const s = (state + M) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

function words(key: number): number[] {
  if (!Number.isFinite(key) || !Number.isInteger(key)) {
    throw new Error(`seed must be an integer (or a list of integers), got ${key}`);
  }
  const neg = key < 0;
  const a = Math.abs(key);
  return [a >>> 0, Math.floor(a / 2 ** 32) >>> 0, neg ? 1 : 0];
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  random(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new Error(`int(lo, hi) needs integers with lo ≤ hi, got (${lo}, ${hi})`);
    }
    const range = hi - lo + 1;
    if (range > 4294967296) throw new Error(`int range too large: ${range}`);
    if (range === 4294967296) return lo + this.nextUint32();
    const limit = 4294967296 - (4294967296 % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return lo + (x % range);
  }

  bool(p = 0.5): boolean {
    return this.random() < p;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  fork(): Rng {
    return new Sfc32(this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32());
  }

  seed(): number {
    return this.nextUint32();
  }
}

/**
 * Creates a seeded generator. A list of integers seeds a derived stream, e.g.
 * `createRng([seed, epoch])`: one per epoch, independent of how many draws earlier epochs took.
 *
 * @param seed - An integer (any size, sign included) or a list of integers.
 * @returns A new generator.
 * @throws When a seed is not an integer.
 *
 * @example
 * ```ts doctest
 * import { createRng } from '@patchfx/data';
 * const a = createRng(42);
 * const b = createRng(42);
 * a.int(0, 1000) === b.int(0, 1000); // => true
 * createRng([7, 1]).random() === createRng([7, 2]).random(); // => false
 * ```
 */
export function createRng(seed: number | readonly number[]): Rng {
  const keys = typeof seed === 'number' ? [seed] : [...seed];
  let state = 0x2545f491;
  const mixed: number[] = [];
  for (const k of keys) {
    for (const w of words(k)) {
      let z: number;
      [state, z] = splitmix32(state ^ w);
      state = (state + z) | 0;
    }
  }
  for (let i = 0; i < 4; i++) {
    let z: number;
    [state, z] = splitmix32(state);
    mixed.push(z);
  }
  return new Sfc32(mixed[0], mixed[1], mixed[2], mixed[3]);
}

/** A uniform random source on [0, 1): each call returns the next number. */
export type UniformStream = () => number;

/**
 * A seeded uniform stream: the sfc32 generator of {@link createRng}, seeded from one 32-bit
 * integer through splitmix32 (not through {@link createRng}'s key mixing, so the numbers
 * differ from `createRng(seed).random()`), as a plain function. The synthetic benchmark draws
 * every scene, noise field and trace from such streams; the same seed gives the same sequence
 * on every platform.
 *
 * @param seed - Any integer (low 32 bits used); {@link mixSeeds} makes one from several.
 * @returns A function returning the next number in [0, 1) on each call.
 *
 * @example
 * ```ts doctest
 * import { uniformStream } from '@patchfx/data';
 * const a = uniformStream(7);
 * const b = uniformStream(7);
 * a() === b(); // => true
 * const x = a();
 * x >= 0 && x < 1; // => true
 * ```
 */
export function uniformStream(seed: number): UniformStream {
  let state = seed | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    let z: number;
    [state, z] = splitmix32(state);
    words.push(z);
  }
  const rng = new Sfc32(words[0], words[1], words[2], words[3]);
  return () => rng.random();
}

/**
 * Mixes integers into one 32-bit seed (order matters), e.g. a dataset seed, a class and an
 * image index, with splitmix32.
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
    const [state, z1] = splitmix32(h ^ Math.imul(p | 0, 0x27d4eb2f));
    const [, z2] = splitmix32(state);
    h = z1 ^ z2;
  }
  return h >>> 0;
}
