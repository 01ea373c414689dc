/**
 * NumPy's legacy `numpy.random.RandomState` (MT19937), bit for bit. It exists only to reproduce
 * streams that Python code drew with NumPy — the order in which the PGAN dataset tool shuffled
 * CelebA-HQ into its TFRecords (`RandomState(123).shuffle(arange(30000))`), latents drawn with
 * `RandomState(seed).randn(...)` — never as patchfx's own randomness: that is {@link createRng}
 * (`random.ts`), which is faster and seeds derived streams.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** A NumPy legacy `RandomState`: the same numbers, in the same order, as NumPy draws them. */
export interface NumpyRandomState {
  /** The next raw 32-bit output of MT19937 (NumPy's `next_uint32`), as an unsigned integer. */
  nextUint32(): number;
  /**
   * A uniform integer in [0, max], both ends included, by masked rejection: NumPy's legacy
   * `random_interval` (the draw behind `shuffle` and `permutation`). `max` below 2^32.
   */
  randomInterval(max: number): number;
  /** A float in [0, 1) with 53 random bits: `random_sample()` / `rand()` (two draws). */
  randomSample(): number;
  /**
   * A standard normal deviate: `randn()` / `standard_normal()`, NumPy's legacy polar method
   * (`legacy_gauss`), which returns the second value of each pair on the next call. The draws
   * consumed are NumPy's exactly; the value is within 2 ulp of NumPy's (relative error
   * ≤ 2^-51; about 3 % differ in the last bits), because `Math.log` is not the C library's `log`.
   */
  standardNormal(): number;
  /** `rand(n)`: `n` draws of {@link NumpyRandomState.randomSample}. */
  rand(n: number): Float64Array;
  /** `randn(n)`: `n` draws of {@link NumpyRandomState.standardNormal}. */
  randn(n: number): Float64Array;
  /** Shuffles `array` in place as `RandomState.shuffle` shuffles a 1-d array; returns it. */
  shuffle<T, A extends { length: number; [i: number]: T }>(array: A): A;
  /** `permutation(n)`: `arange(n)` shuffled. */
  permutation(n: number): Int32Array;
}

class LegacyMt19937 implements NumpyRandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;
  private gauss = 0;
  private hasGauss = false;

  constructor(seed: number) {
    // init_genrand (NumPy's mt19937_seed): key[i] = 1812433253 · (key[i−1] ^ key[i−1] >> 30) + i.
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
  }

  private generate(): void {
    const k = this.key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (k[i] & UPPER_MASK) | (k[i + 1] & LOWER_MASK);
      k[i] = k[i + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      y = (k[i] & UPPER_MASK) | (k[i + 1] & LOWER_MASK);
      k[i] = k[i + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (k[N - 1] & UPPER_MASK) | (k[0] & LOWER_MASK);
    k[N - 1] = k[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  randomInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new Error(`randomInterval(max) needs an integer in [0, 2^32 − 1], got ${max}`);
    }
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    while ((value = (this.nextUint32() & mask) >>> 0) > max);
    return value;
  }

  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const g = this.gauss;
      this.gauss = 0;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  rand(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.randomSample();
    return out;
  }

  randn(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.standardNormal();
    return out;
  }

  shuffle<T, A extends { length: number; [i: number]: T }>(array: A): A {
    // RandomState.shuffle on a 1-d array (_shuffle_raw): i from n−1 down to 1, j = interval(i).
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`permutation(n) needs a non-negative integer, got ${n}`);
    }
    return this.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  }
}

/**
 * NumPy's legacy `numpy.random.RandomState(seed)`: MT19937 seeded with an integer as NumPy seeds
 * it (`init_genrand`), and the legacy draws — `shuffle`/`permutation` (masked rejection
 * `random_interval`), `random_sample`/`rand` (53-bit doubles) and `randn` (polar method, the
 * second value of each pair kept for the next call; values within 2 ulp of NumPy's, see
 * {@link NumpyRandomState.standardNormal}). Only for reproducing what Python code drew
 * with NumPy; patchfx's own randomness is {@link createRng}.
 *
 * @param seed - An integer in [0, 2^32 − 1], as `RandomState` accepts (seeding with an array or
 *   `None` is not supported).
 * @returns A new generator.
 * @throws When the seed is not such an integer (NumPy's own rule).
 *
 * @example
 * ```ts doctest
 * import { numpyRandomState } from '@patchfx/data';
 * // python3 -c "import numpy as np; print(np.random.RandomState(0).randint(2**32, dtype=np.uint32))"
 * numpyRandomState(0).nextUint32(); // => 2357136044
 * // python3 -c "import numpy as np; o = np.arange(10); np.random.RandomState(123).shuffle(o); print(o)"
 * [...numpyRandomState(123).permutation(10)]; // => [4, 0, 7, 5, 8, 3, 1, 6, 9, 2]
 * ```
 */
export function numpyRandomState(seed: number): NumpyRandomState {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`a NumPy RandomState seed must be an integer in [0, 2^32 − 1], got ${seed}`);
  }
  return new LegacyMt19937(seed);
}
