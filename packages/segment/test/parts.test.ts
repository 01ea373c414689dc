import { describe, expect, test } from 'vitest';
import {
  CELEBAMASK_CLUSTERS,
  CELEBAMASK_LABELS,
  clusterOf,
  FACE_PART_COLORS,
  FACE_PARTS,
  facePartIds,
  syntheticLegend,
} from '../src/index.js';

// spec §7.1: parser id → cluster
const TABLE = [
  [0, 'background'],
  [1, 'skin'],
  [2, 'brows'],
  [3, 'brows'],
  [4, 'eye'],
  [5, 'eye'],
  [6, 'eye'],
  [7, 'ear'],
  [8, 'ear'],
  [9, 'ear'],
  [10, 'nose'],
  [11, 'mouth'],
  [12, 'mouth'],
  [13, 'mouth'],
  [14, 'neck'],
  [15, 'neck'],
  [16, 'clothes'],
  [17, 'hair'],
  [18, 'hat'],
] as const;

describe('face parts', () => {
  for (const [id, cluster] of TABLE) {
    test(`parser label ${id} (${CELEBAMASK_LABELS[id]}) → ${cluster}`, () => {
      expect(clusterOf(CELEBAMASK_LABELS[id])).toBe(cluster);
      expect(CELEBAMASK_CLUSTERS[CELEBAMASK_LABELS[id]]).toBe(cluster);
    });
  }

  test('11 clusters, every one reached by some parser label', () => {
    expect(FACE_PARTS).toHaveLength(11);
    expect(new Set(Object.values(CELEBAMASK_CLUSTERS))).toEqual(new Set(FACE_PARTS));
  });

  test('cluster names map to themselves', () => {
    for (const p of FACE_PARTS) expect(clusterOf(p)).toBe(p);
  });

  test("the synthetic benchmark's label ids are the face parts' indices", () => {
    expect(syntheticLegend()).toEqual(Object.fromEntries(FACE_PARTS.map((p, i) => [`${i}`, p])));
  });

  test('facePartIds validates names and lists the parts', () => {
    expect(facePartIds(['hat', 'background', 'hair'])).toEqual([10, 0, 9]);
    expect(() => facePartIds(['hair', 'beard'])).toThrow(
      /unknown part "beard"; parts are 'background' \| 'skin' .* \| 'hat'$/,
    );
  });

  test('one colour per face part', () => {
    expect(FACE_PART_COLORS).toHaveLength(FACE_PARTS.length);
    for (const c of FACE_PART_COLORS) {
      expect(c).toHaveLength(3);
      for (const v of c) expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
    }
  });

  test('unknown names are rejected with the accepted ones listed', () => {
    expect(() => clusterOf('beard')).toThrow(/unknown part label "beard".*hair.*upper_lip/);
    expect(() => clusterOf('toString')).toThrow(/unknown part label/);
  });
});
