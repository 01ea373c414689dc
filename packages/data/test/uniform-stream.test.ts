import { describe, expect, test } from 'vitest';
import { createRng, mixSeeds, uniformStream } from '@patchfx/data';

describe('uniformStream and mixSeeds (the synthetic benchmark streams)', () => {
  test('the numbers the benchmark drew before its generator moved to random.ts', () => {
    // Recorded from the synthetic benchmark's own sfc32/splitmix32 (`sceneRng`, `mixSeeds` of
    // synthetic/rng.ts) before they were built on random.ts: its images depend on them.
    const next = uniformStream(7);
    expect([next(), next(), next()].map((x) => x * 2 ** 32)).toEqual([
      838155491, 1550620431, 3610122010,
    ]);
    expect(mixSeeds(3, 0x7e57)).toBe(4088013619);
    expect(mixSeeds(1, 2, 3, 4)).toBe(2734075910);
  });

  test('same seed, same stream; low 32 bits only; in [0, 1)', () => {
    const a = uniformStream(123);
    const b = uniformStream(123 + 2 ** 32);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(b()).toBe(x);
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  test("createRng's core with another seeding: other numbers than createRng(seed)", () => {
    expect(uniformStream(5)()).not.toBe(createRng(5).random());
  });

  test('mixSeeds: order matters, unsigned 32-bit', () => {
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(2, 1));
    for (const parts of [[0], [-1, 5], [2 ** 40, 3]]) {
      const h = mixSeeds(...parts);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
  });
});
