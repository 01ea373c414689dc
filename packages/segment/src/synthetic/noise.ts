/**
 * Value-noise texture fields for the synthetic scenes. @internal
 */
import type { UniformStream } from '@patchfx/data';

/**
 * A fractal value-noise field over a `size`×`size` image, roughly in [-1, 1].
 *
 * @param rng - Random source (consumed).
 * @param size - Image side in pixels.
 * @param cells - Lattice spacings in pixels, one octave each (amplitude halves per octave).
 * @returns Row-major field, `size * size` values.
 * @internal
 */
export function noiseField(
  rng: UniformStream,
  size: number,
  cells: readonly number[],
): Float32Array {
  const out = new Float32Array(size * size);
  let amp = 1;
  let total = 0;
  for (const cell of cells) {
    const step = Math.max(1, cell);
    const n = Math.ceil(size / step) + 2;
    const lattice = new Float32Array(n * n);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng() * 2 - 1;
    // Random sub-cell phase so octaves do not align with the pixel grid.
    const ox = rng() * step;
    const oy = rng() * step;
    for (let y = 0; y < size; y++) {
      const gy = (y + oy) / step;
      const iy = Math.floor(gy);
      let fy = gy - iy;
      fy = fy * fy * (3 - 2 * fy);
      for (let x = 0; x < size; x++) {
        const gx = (x + ox) / step;
        const ix = Math.floor(gx);
        let fx = gx - ix;
        fx = fx * fx * (3 - 2 * fx);
        const k = iy * n + ix;
        const top = lattice[k] + (lattice[k + 1] - lattice[k]) * fx;
        const bot = lattice[k + n] + (lattice[k + n + 1] - lattice[k + n]) * fx;
        out[y * size + x] += amp * (top + (bot - top) * fy);
      }
    }
    total += amp;
    amp *= 0.5;
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}
