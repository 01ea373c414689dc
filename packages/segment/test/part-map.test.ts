import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  CELEBAMASK_LABELS,
  colorizePartMap,
  createPartMap,
  FACE_PARTS,
  partMapToInputGrid,
  resizePartMap,
} from '../src/index.js';

interface ResizeFixture {
  resize: {
    height: number;
    width: number;
    out_height: number;
    out_width: number;
    labels: number[];
    expected: number[];
  }[];
  grid: { height: number; width: number; size: number; labels: number[]; expected: number[] }[];
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/resize.json', import.meta.url), 'utf8'),
) as ResizeFixture;

describe('createPartMap', () => {
  test('keeps the ids and names', () => {
    const map = createPartMap(new Uint8Array([0, 17, 4, 1]), 2, 2, CELEBAMASK_LABELS);
    expect(map.parts[map.labels[1]]).toBe('hair');
    expect(map.parts[map.labels[2]]).toBe('left_eye');
  });

  const bad = [
    ['a zero size', () => createPartMap(new Uint8Array(0), 0, 1), /positive integers/],
    ['a wrong length', () => createPartMap(new Uint8Array(3), 2, 2), /4 ids, got 3/],
    [
      'an id without a name',
      () => createPartMap(new Uint8Array([0, 11]), 2, 1),
      /label id 11 at pixel 1 has no name/,
    ],
    [
      'an unknown name',
      () => createPartMap(new Uint8Array([0]), 1, 1, ['background', 'tattoo']),
      /unknown part label "tattoo"/,
    ],
  ] as const;
  for (const [what, make, message] of bad) {
    test(`rejects ${what}`, () => expect(make).toThrow(message));
  }
});

describe('resizePartMap matches cv2.resize INTER_NEAREST', () => {
  for (const c of fixture.resize) {
    test(`${c.height}×${c.width} → ${c.out_height}×${c.out_width}`, () => {
      const parts = CELEBAMASK_LABELS;
      const map = createPartMap(Uint8Array.from(c.labels), c.width, c.height, parts);
      const out = resizePartMap(map, c.out_width, c.out_height);
      expect([out.width, out.height]).toEqual([c.out_width, c.out_height]);
      expect(Array.from(out.labels)).toEqual(c.expected);
    });
  }
});

describe('partMapToInputGrid: shorter side, then the centre crop', () => {
  for (const c of fixture.grid) {
    test(`${c.height}×${c.width} → ${c.size}`, () => {
      const map = createPartMap(Uint8Array.from(c.labels), c.width, c.height);
      const out = partMapToInputGrid(map, c.size);
      expect([out.width, out.height]).toEqual([c.size, c.size]);
      expect(Array.from(out.labels)).toEqual(c.expected);
    });
  }

  test('rejects a bad size', () => {
    expect(() => partMapToInputGrid(createPartMap(new Uint8Array(1), 1, 1), 0)).toThrow(
      /inputSize must be a positive integer/,
    );
  });
});

describe('colorizePartMap', () => {
  test('paints labels in their cluster colour and blends over an image', () => {
    const map = createPartMap(new Uint8Array([12, 17]), 2, 1, CELEBAMASK_LABELS); // upper lip, hair
    expect(Array.from(colorizePartMap(map))).toEqual([200, 0, 90, 250, 230, 40]);
    const image = { data: new Uint8Array([0, 0, 0, 100, 100, 100]), width: 2, height: 1 };
    expect(Array.from(colorizePartMap(map, { image, alpha: 0.5 }))).toEqual([
      100, 0, 45, 175, 165, 70,
    ]);
    expect(FACE_PARTS.length).toBe(11);
  });

  test('rejects a mismatched image', () => {
    const map = createPartMap(new Uint8Array(4), 2, 2);
    const image = { data: new Uint8Array(3), width: 1, height: 1 };
    expect(() => colorizePartMap(map, { image })).toThrow(/image is 1×1 but the map is 2×2/);
  });
});
