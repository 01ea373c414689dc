/**
 * The sensor stage shared by both classes of the synthetic benchmark: signal-dependent
 * Gaussian noise, then 8-bit quantisation. Applying the same process to reals and fakes keeps
 * noise from being a shortcut.
 */
import type { UniformStream } from '@patchfx/data';
import { uniform } from './rng.js';

/**
 * Adds sensor noise and quantises to 8 bits. Per image, a read-noise level
 * σr ∈ [1, 2.5] grey levels and a shot-noise gain g ∈ [0, 3] are drawn; each value then gets
 * `N(0, σr² + g²·I)` grey levels of noise (I in [0, 1]) and is rounded and clipped to 0–255.
 *
 * Input shape: any float array in [0, 1] (typically `[size, size, 3]`).
 * Output shape: the same length, uint8.
 *
 * @param rgb - Clean values in [0, 1]. Not modified.
 * @param rng - The random source (consumed: 2 draws, then 1 per value).
 * @returns A new uint8 array (owned by the caller).
 *
 * @example
 * ```ts doctest
 * import { uniformStream } from '@patchfx/data';
 * import { applySensorNoise } from '@patchfx/segment';
 * const out = applySensorNoise(new Float32Array(1000).fill(0.5), uniformStream(1));
 * out.length; // => 1000
 * Math.abs(out.reduce((s, v) => s + v, 0) / 1000 - 127.5) < 1; // => true
 * ```
 */
export function applySensorNoise(rgb: Float32Array, rng: UniformStream): Uint8Array {
  const read = uniform(rng, 1, 2.5);
  const shot = uniform(rng, 0, 3);
  const read2 = read * read;
  const shot2 = shot * shot;
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 2) {
    // Box–Muller, both outputs used.
    const radius = Math.sqrt(-2 * Math.log(1 - rng()));
    const angle = 2 * Math.PI * rng();
    const v0 = rgb[i] * 255 + Math.sqrt(read2 + shot2 * rgb[i]) * radius * Math.cos(angle);
    out[i] = v0 <= 0 ? 0 : v0 >= 255 ? 255 : Math.round(v0);
    if (i + 1 < rgb.length) {
      const x = rgb[i + 1];
      const v1 = x * 255 + Math.sqrt(read2 + shot2 * x) * radius * Math.sin(angle);
      out[i + 1] = v1 <= 0 ? 0 : v1 >= 255 ? 255 : Math.round(v1);
    }
  }
  return out;
}
