/** Shared test helpers: fixture paths and the procedural images of generate_resize.py. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '@patchfx/data';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export const readFixture = (name: string) => new Uint8Array(readFileSync(FIXTURES + name));
export const readJson = <T>(name: string): T =>
  JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T;
export const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

const KINDS = [0, 1, 3, 0, 1, 2, 0, 3, 3, 0, 1, 1, 0, 3, 1, 0];

function hash3(x: number, y: number, c: number): number {
  let h = (Math.imul(x, 73856093) ^ Math.imul(y, 19349663) ^ Math.imul(c, 83492791)) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0x5bd1e995) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** `pattern(w, h)` of generate_resize.py, bit for bit. */
export function patternImage(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const kind = KINDS[Math.floor((4 * y) / h) * 4 + Math.floor((4 * x) / w)];
      for (let c = 0; c < 3; c++) {
        let v: number;
        if (kind === 0) {
          v = [
            Math.floor((x * 255) / (w - 1)),
            Math.floor((y * 255) / (h - 1)),
            Math.floor(((x + y) * 255) / (w + h - 2)),
          ][c];
        } else if (kind === 1) v = (((x >> (c + 2)) + (y >> (c + 2))) & 1) * 255;
        else if (kind === 2) v = hash3(x, y, c) & 255;
        else {
          const dx = x - (w >> 1);
          const dy = y - (h >> 1);
          v = Math.floor(((dx * dx + dy * dy) * (c + 3)) / 40) & 255;
        }
        data[(y * w + x) * 3 + c] = v;
      }
    }
  }
  return { data, width: w, height: h };
}

/** Counts of |a − b| = 0, ≤ 1, and the maximum. */
export function diffStats(a: ArrayLike<number>, b: ArrayLike<number>) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let exact = 0;
  let within1 = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d === 0) exact++;
    if (d <= 1) within1++;
    if (d > max) max = d;
  }
  return { exact: exact / a.length, within1: within1 / a.length, max };
}

/** A small deterministic noisy image. */
export function noiseImage(w: number, h: number, seed = 1): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = hash3(i, seed, 7) & 255;
  return { data, width: w, height: h };
}
