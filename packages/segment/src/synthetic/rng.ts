/**
 * The synthetic benchmark's draws from a {@link UniformStream} (`uniformStream` of
 * `random.ts`): uniform, Gaussian and one-of. They fix how many numbers each draw takes, so
 * they are part of the benchmark's streams.
 */
import type { UniformStream } from '@patchfx/data';

/** Uniform on [lo, hi). @internal */
export function uniform(rng: UniformStream, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Standard normal (Box–Muller). @internal */
export function gaussian(rng: UniformStream): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One element, uniformly. @internal */
export function pick<T>(rng: UniformStream, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(rng() * items.length))];
}
