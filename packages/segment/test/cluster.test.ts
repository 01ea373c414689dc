import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createRng } from '@patchfx/data';
import {
  assignCluster,
  CELEBAMASK_LABELS,
  createPartMap,
  FACE_PARTS,
  labelCounts,
  partFractions,
  randomPatchPosition,
  type PartMap,
} from '../src/index.js';

interface ClustersFixture {
  cases: {
    height: number;
    width: number;
    labels: number[];
    n_labels: number;
    rf: number;
    jump: number;
    offset: number;
    windows: { i: number; j: number; label: number; fraction: number }[];
  }[];
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/clusters.json', import.meta.url), 'utf8'),
) as ClustersFixture;

/** The clipped window of output (i, j) (spec §6; `patchWindow` of @patchfx/models). */
function patchWindow(
  g: { rf: number; jump: number; offset: number },
  i: number,
  j: number,
  size: number | readonly [number, number],
) {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  const top = g.offset + i * g.jump;
  const left = g.offset + j * g.jump;
  return {
    top: Math.max(0, top),
    left: Math.max(0, left),
    bottom: Math.min(h, top + g.rf),
    right: Math.min(w, left + g.rf),
  };
}

/** Draws a map from rows of characters: each character's index in `key` is its label id. */
function draw(rows: readonly string[], key = '.sbeEnmNchH'): PartMap {
  const labels = Uint8Array.from(rows.join(''), (ch) => {
    const id = key.indexOf(ch);
    if (id < 0) throw new Error(`no label for '${ch}'`);
    return id;
  });
  return createPartMap(labels, rows[0].length, rows.length, FACE_PARTS);
}

describe('assignCluster', () => {
  test('a small part wholly inside the window beats a large part mostly inside (normalisation)', () => {
    // 'e' (eye, 2 px) sits in a sea of 's' (skin, 62 px); the window holds 14 skin pixels
    const map = draw([
      'ssssssss',
      'ssssssss',
      'sseessss',
      'ssssssss',
      'ssssssss',
      'ssssssss',
      'ssssssss',
      'ssssssss',
    ]);
    const a = assignCluster(map, { top: 1, left: 1, bottom: 5, right: 5 });
    expect(a).toEqual({ label: 3, labelName: 'eye', cluster: 'eye', fraction: 1 });
    // the same window one column further misses one eye pixel: 1/2 still beats 15/62
    expect(assignCluster(map, { top: 1, left: 3, bottom: 5, right: 7 }).fraction).toBe(0.5);
    // away from the eye, skin wins with its share of the whole map
    const far = assignCluster(map, { top: 4, left: 4, bottom: 8, right: 8 });
    expect(far.cluster).toBe('skin');
    expect(far.fraction).toBeCloseTo(16 / 62, 12);
  });

  test('fractions are per label, before grouping into clusters (left and right eye compete)', () => {
    // upper lip (12) and lower lip (13), 4 px each, both 'mouth'; the window holds 3 of the 4
    // lower-lip pixels and 3 of the 8 skin pixels. As one 'mouth' label it would have 3/8 and
    // tie with skin (which would win, being id 1); per label, the lower lip wins with 3/4.
    const labels = Uint8Array.from([1, 1, 1, 1, 12, 12, 12, 12, 13, 13, 13, 13, 1, 1, 1, 1]);
    const map = createPartMap(labels, 4, 4, CELEBAMASK_LABELS);
    const a = assignCluster(map, { top: 2, left: 1, bottom: 4, right: 4 });
    expect(a.labelName).toBe('lower_lip');
    expect(a.cluster).toBe('mouth');
    expect(a.fraction).toBe(0.75);
  });

  test('ties go to the lowest label id', () => {
    // background (0) and hair (9) each have half their pixels in the window
    const map = draw(['..hh', '..hh']);
    const a = assignCluster(map, { top: 0, left: 1, bottom: 2, right: 3 });
    expect(a.cluster).toBe('background');
    expect(a.fraction).toBe(0.5);
    // swapping the ids' places keeps the winner: it is the id order, not the position
    const b = assignCluster(draw(['hh..', 'hh..']), { top: 0, left: 1, bottom: 2, right: 3 });
    expect(b.cluster).toBe('background');
  });

  test('windows clipped at the border count only pixels inside the image (−1 padding)', () => {
    const map = draw(['hhh.', 'ss..', 'ss..', '....']);
    const geometry = { rf: 3, jump: 2, offset: -1 };
    // output (0, 0) covers rows/cols [-1, 2): clipped to [0, 2)
    const w = patchWindow(geometry, 0, 0, 4);
    expect([w.top, w.left, w.bottom, w.right]).toEqual([0, 0, 2, 2]);
    const f = partFractions(map, w);
    expect(f[9]).toBeCloseTo(2 / 3, 12); // hair: 2 of 3
    expect(f[1]).toBe(0.5); // skin: 2 of 4
    expect(f[0]).toBe(0); // no background in the window
    expect(assignCluster(map, w).cluster).toBe('hair');
  });

  test('rejects a window outside the map, naming the fix', () => {
    const map = draw(['..', '..']);
    expect(() => assignCluster(map, { top: -1, left: 0, bottom: 1, right: 1 })).toThrow(
      /clip it to the image first/,
    );
    expect(() => assignCluster(map, { top: 0, left: 0, bottom: 0, right: 1 })).toThrow(
      /not a non-empty integer box/,
    );
  });

  for (const [n, c] of fixture.cases.entries()) {
    test(`matches the numpy re-implementation of segmenter.py: case ${n} (${c.height}×${c.width}, ${c.n_labels} labels, rf ${c.rf})`, () => {
      const parts = c.n_labels === 19 ? CELEBAMASK_LABELS : FACE_PARTS.slice(0, c.n_labels);
      const map = createPartMap(Uint8Array.from(c.labels), c.width, c.height, parts);
      const totals = labelCounts(map);
      const geometry = { rf: c.rf, jump: c.jump, offset: c.offset };
      for (const w of c.windows) {
        const a = assignCluster(map, patchWindow(geometry, w.i, w.j, [c.height, c.width]), totals);
        expect({ i: w.i, j: w.j, label: a.label }).toEqual({ i: w.i, j: w.j, label: w.label });
        expect(Math.abs(a.fraction - w.fraction)).toBeLessThan(1e-12);
      }
      expect(c.windows.length).toBeGreaterThan(4);
    });
  }
});

describe('randomPatchPosition', () => {
  test('is reproducible from the seed and covers every position about evenly', () => {
    const draws = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 3000 }, () => randomPatchPosition([3, 5], rng));
    };
    const a = draws(7);
    expect(draws(7)).toEqual(a);
    expect(draws(8)).not.toEqual(a);
    const counts = new Map<string, number>();
    for (const [i, j] of a) {
      expect(i >= 0 && i < 3 && j >= 0 && j < 5).toBe(true);
      counts.set(`${i},${j}`, (counts.get(`${i},${j}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(15);
    for (const c of counts.values()) expect(Math.abs(c - 200)).toBeLessThan(60); // ±4σ
  });

  test('rejects a bad map size', () => {
    expect(() => randomPatchPosition([0, 3], createRng(0))).toThrow(/positive integers/);
  });
});
