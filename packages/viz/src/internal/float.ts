import type { MapData } from '../types.js';

/** Rounds to float32 (numpy float32 arithmetic) or leaves doubles alone. */
export type Rounding = (x: number) => number;

const identity: Rounding = (x) => x;

/** `Math.fround` for float32 data (numpy keeps float32 maps in float32), identity otherwise. */
export function roundingFor(data: MapData): Rounding {
  return data instanceof Float32Array ? Math.fround : identity;
}

/** Round half to even (`cvRound`, `np.round`, SSE conversions). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Clamps to [0, 255] and truncates toward zero, the way `astype(np.uint8)` treats in-range floats; NaN → 0. */
export function truncByte(x: number): number {
  if (!(x > 0)) return 0;
  return x >= 255 ? 255 : Math.trunc(x);
}
