import { describe, expect, test } from 'vitest';
import { createRng, pairedItem, pairedLabels, pairedLength, planPairedEpoch } from '@patchfx/data';

describe('createRng', () => {
  test('same seed, same sequence; different seeds differ', () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const sa = Array.from({ length: 50 }, () => a.nextUint32());
    expect(Array.from({ length: 50 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.nextUint32())).not.toEqual(sa);
  });
  test('list seeds: [seed, epoch] streams differ per element; big and negative seeds work', () => {
    const first = (s: number | number[]) => createRng(s).nextUint32();
    const values = [
      first([1, 0]),
      first([1, 1]),
      first([0, 1]),
      first(2 ** 40),
      first(-1),
      first(1),
    ];
    expect(new Set(values).size).toBe(values.length);
    expect(() => createRng(1.5)).toThrow(/seed must be an integer/);
  });
  test('ranges and rough uniformity', () => {
    const r = createRng(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) {
      const v = r.int(1, 6);
      expect(v >= 1 && v <= 6).toBe(true);
      counts[v - 1]++;
    }
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    for (let i = 0; i < 1000; i++) {
      const u = r.uniform(-2, 3);
      expect(u >= -2 && u < 3).toBe(true);
    }
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 20000; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / 20000)).toBeLessThan(0.05);
    expect(Math.abs(sq / 20000 - 1)).toBeLessThan(0.05);
    expect(() => r.int(3, 2)).toThrow(/lo ≤ hi/);
  });
  test('fork gives an independent, reproducible stream', () => {
    const a = createRng(5);
    const fa = a.fork();
    const b = createRng(5);
    const fb = b.fork();
    expect(fa.nextUint32()).toBe(fb.nextUint32());
    expect(a.nextUint32()).toBe(b.nextUint32());
    expect(createRng(5).fork().nextUint32()).not.toBe(createRng(5).nextUint32());
  });
  test('shuffle is a permutation', () => {
    const arr = createRng(1).shuffle(Array.from({ length: 100 }, (_, i) => i));
    expect([...arr].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(arr).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('PairedDataset rule', () => {
  test('length = max(#real, #fake); item i = real[i mod R], fake[i mod F]', () => {
    expect(pairedLength(3, 10)).toBe(10);
    expect(pairedLength(10, 3)).toBe(10);
    const items = Array.from({ length: 10 }, (_, i) => pairedItem(i, 3, 10));
    expect(items.map((p) => p.real)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(items.map((p) => p.fake)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => pairedItem(0, 0, 3)).toThrow(/needs real and fake images, got 0 real/);
  });
  test('validation plan: in order, batches of batchSize/2 pairs, last batch kept', () => {
    const plan = planPairedEpoch(4, 7, { batchSize: 6, shuffle: false });
    expect(plan.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(plan.flat()).toEqual(Array.from({ length: 7 }, (_, i) => ({ real: i % 4, fake: i })));
    expect(planPairedEpoch(4, 7, { batchSize: 6, shuffle: false, dropLast: true }).length).toBe(2);
  });
  test('training plan: shuffled per epoch, every item once, deterministic for (seed, epoch)', () => {
    const e0 = planPairedEpoch(5, 40, { batchSize: 8, seed: 3, epoch: 0 });
    const e0b = planPairedEpoch(5, 40, { batchSize: 8, seed: 3, epoch: 0 });
    const e1 = planPairedEpoch(5, 40, { batchSize: 8, seed: 3, epoch: 1 });
    expect(e0b).toEqual(e0);
    expect(e1).not.toEqual(e0);
    expect(
      e0
        .flat()
        .map((p) => p.fake)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 40 }, (_, i) => i));
    for (const p of e0.flat()) expect(p.real).toBe(p.fake % 5); // serial pairing survives shuffling
    expect(e0.flat().map((p) => p.fake)).not.toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
  test('noSerialBatches: fake drawn uniformly, also for validation, seeded', () => {
    const plan = planPairedEpoch(50, 3, {
      batchSize: 10,
      shuffle: false,
      noSerialBatches: true,
      seed: 1,
    });
    const fakes = plan.flat().map((p) => p.fake);
    expect(plan.flat().map((p) => p.real)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Set(fakes)).toEqual(new Set([0, 1, 2]));
    expect(fakes).not.toEqual(Array.from({ length: 50 }, (_, i) => i % 3));
    expect(
      planPairedEpoch(50, 3, { batchSize: 10, shuffle: false, noSerialBatches: true, seed: 1 }),
    ).toEqual(plan);
  });
  test('labels: [real…; fake…], real = 1 − fakeClassId', () => {
    expect(Array.from(pairedLabels(3, 0))).toEqual([1, 1, 1, 0, 0, 0]);
    expect(Array.from(pairedLabels(2, 1))).toEqual([0, 0, 1, 1]);
  });
  test('bad batch size', () => {
    expect(() => planPairedEpoch(2, 2, { batchSize: 5 })).toThrow(/positive even integer/);
  });
});
