/**
 * numpyRandomState against NumPy itself: Debian's /usr/bin/python3 with python3-numpy prints
 * the legacy RandomState's draws and the test compares them bit for bit (floats as float.hex).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { numpyRandomState } from '@patchfx/data';

/** Debian's python3 with python3-numpy (not a pyenv python). */
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, sys
import numpy as np
out = {}
order = np.arange(30000)
np.random.RandomState(123).shuffle(order)
out['celebahq'] = order.tolist()
out['perm'] = {str(s): np.random.RandomState(s).permutation(n).tolist()
               for s, n in [(0, 1), (1, 2), (7, 1000), (4294967295, 70001)]}
out['uint32'] = np.random.RandomState(5489).randint(2**32, size=1300, dtype=np.uint32).tolist()
out['rand'] = [float(x).hex() for x in np.random.RandomState(0).rand(1000)]
r = np.random.RandomState(1)
out['randn'] = [float(x).hex() for x in r.randn(2001)] + [float(r.rand()).hex()]
out['randn512'] = [float(x).hex() for x in np.random.RandomState(2).randn(4, 512).ravel()]
json.dump(out, sys.stdout)
`;

interface Printed {
  celebahq: number[];
  perm: Record<string, number[]>;
  uint32: number[];
  rand: string[];
  randn: string[];
  randn512: string[];
}

function numpy(): Printed {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${PYTHON} with numpy failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as Printed;
}

/** Python's float.hex of a finite double (`0x1.8000000000000p+1`, `-0x0.0p+0`). */
function floatHex(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0x0.0p+0' : '0x0.0p+0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? '-' : '';
  const exp = (hi >>> 20) & 0x7ff;
  const mant = (hi & 0xfffff).toString(16).padStart(5, '0') + lo.toString(16).padStart(8, '0');
  return exp === 0
    ? `${sign}0x0.${mant}p-1022`
    : `${sign}0x1.${mant}p${exp - 1023 >= 0 ? '+' : ''}${exp - 1023}`;
}

/** Parses Python's float.hex of a normal double. */
function parseHex(h: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(h);
  if (!m) throw new Error(`not a float.hex: ${h}`);
  const mant = Number.parseInt(m[2], 16) + Number.parseInt(m[3], 16) / 16 ** m[3].length;
  return (m[1] ? -1 : 1) * mant * 2 ** Number(m[4]);
}

describe('numpyRandomState: as NumPy legacy RandomState', () => {
  const printed = numpy();

  test('RandomState(123).shuffle(arange(30000)): the CelebA-HQ order, every element', () => {
    const order = numpyRandomState(123).shuffle(Array.from({ length: 30000 }, (_, i) => i));
    expect(order).toEqual(printed.celebahq);
    // Typed arrays shuffle the same way.
    expect([...numpyRandomState(123).permutation(30000)]).toEqual(printed.celebahq);
  });

  test('permutation: tiny, large and the largest seed', () => {
    for (const [seed, want] of Object.entries(printed.perm)) {
      expect([...numpyRandomState(Number(seed)).permutation(want.length)], seed).toEqual(want);
    }
  });

  test('raw 32-bit outputs across a state regeneration (624 words)', () => {
    const r = numpyRandomState(5489);
    expect(Array.from({ length: 1300 }, () => r.nextUint32())).toEqual(printed.uint32);
  });

  test('rand (random_sample): 53-bit doubles, exactly', () => {
    expect([...numpyRandomState(0).rand(1000)].map(floatHex)).toEqual(printed.rand);
  });

  test('randn: the polar method with the cached second value, within 2 ulp; the stream stays exact', () => {
    // Math.log is not glibc's log: about 3 % of the deviates differ from NumPy's in the last
    // bit or two (relative error ≤ 2^-51); the uniform draws they consume are the same.
    const within = (got: Float64Array, hex: readonly string[]) => {
      const want = hex.map((h) => parseHex(h));
      expect(got.length).toBe(want.length);
      let exact = 0;
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(got[i] - want[i]), `#${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(
          2 ** -51 * Math.abs(want[i]),
        );
        if (got[i] === want[i]) exact++;
      }
      expect(exact / want.length).toBeGreaterThan(0.9);
    };
    const r = numpyRandomState(1);
    within(r.randn(2001), printed.randn.slice(0, 2001));
    // randn(2001) leaves a cached value behind; rand() draws fresh words right after the pairs.
    expect(floatHex(r.randomSample())).toBe(printed.randn[2001]);
    within(numpyRandomState(2).randn(4 * 512), printed.randn512);
  });

  test('seeds NumPy refuses are refused', () => {
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => numpyRandomState(bad)).toThrow(/integer in \[0, 2\^32 − 1\]/);
    }
    expect(() => numpyRandomState(0).randomInterval(-1)).toThrow(/randomInterval/);
    expect(numpyRandomState(0).randomInterval(0)).toBe(0);
  });
});
