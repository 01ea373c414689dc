import { describe, expect, test } from 'vitest';
import {
  averageMaps,
  GREEN,
  heatmapAvgImage,
  measureText,
  patchOverlay,
  probabilityLabel,
  RED,
  trainingOverlay,
} from '@patchfx/viz';
import { diffStats, loadFixture } from './helpers/fixtures.js';

interface OverlayFixture {
  mapHeight: number;
  mapWidth: number;
  height: number;
  width: number;
  heatmap: number[];
  image: number[];
  patchOverlay: number[];
  maps: number[][];
  average: number[];
  heatmapAvg: number[];
  trainOverlay: number[];
}
const ov = loadFixture<OverlayFixture>('overlay.json');
const image = {
  data: Uint8Array.from(ov.image),
  width: ov.width,
  height: ov.height,
  channels: 3 as const,
};
const heat = { data: Float32Array.from(ov.heatmap), height: ov.mapHeight, width: ov.mapWidth };
const px = (data: ArrayLike<number>, width: number, x: number, y: number) =>
  Array.from({ length: 3 }, (_, c) => data[(y * width + x) * 3 + c]);

describe('patchOverlay (test.py --visualize recipe, spec §4.4)', () => {
  test('without border and label it equals the numpy/OpenCV reference within 1 level', () => {
    const out = patchOverlay(image, heat);
    expect([out.width, out.height, out.channels]).toEqual([ov.width, ov.height, 3]);
    const d = diffStats(out.data, ov.patchOverlay);
    expect(d.max).toBeLessThanOrEqual(1);
    expect(d.count).toBe(0);
  });

  test('green border when correct, red when wrong, 2 px, interior untouched', () => {
    for (const [correct, color] of [
      [true, GREEN],
      [false, RED],
    ] as const) {
      const out = patchOverlay(image, heat, { correct });
      for (const [x, y] of [
        [0, 0],
        [1, 1],
        [ov.width - 1, 5],
        [ov.width - 2, 5],
        [7, ov.height - 1],
        [7, ov.height - 2],
      ]) {
        expect(px(out.data, ov.width, x, y)).toEqual([...color]);
      }
      expect(px(out.data, ov.width, 2, 2)).toEqual(px(ov.patchOverlay, ov.width, 2, 2));
      expect(px(out.data, ov.width, 20, 30)).toEqual(px(ov.patchOverlay, ov.width, 20, 30));
    }
  });

  test('the label is white text with its baseline at y = 20, from x = 0', () => {
    const label = probabilityLabel(0.87);
    expect(label).toBe('p(real)=0.87');
    const big = {
      data: new Uint8Array(100 * 40 * 3),
      width: 100,
      height: 40,
      channels: 3 as const,
    };
    const out = patchOverlay(big, heat, { label });
    const { width, ascent, descent } = measureText(label);
    let white = 0;
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 100; x++) {
        const p = px(out.data, 100, x, y);
        if (p[0] === 255 && p[1] === 255 && p[2] === 255) {
          white++;
          expect(x).toBeLessThan(width);
          expect(y).toBeGreaterThan(20 - ascent);
          expect(y).toBeLessThanOrEqual(20 + descent);
        }
      }
    }
    // The blend alone never reaches white (0.3·255 + 0.5·0 < 255), so every white pixel is ink.
    expect(white).toBeGreaterThan(40);
  });

  test('RGBA and gray images are blended on their colour channels', () => {
    const rgba = {
      data: Uint8Array.from({ length: ov.width * ov.height * 4 }, (_, i) =>
        i % 4 === 3 ? 7 : ov.image[Math.floor(i / 4) * 3 + (i % 4)],
      ),
      width: ov.width,
      height: ov.height,
      channels: 4 as const,
    };
    expect(diffStats(patchOverlay(rgba, heat).data, ov.patchOverlay).count).toBe(0);
    const gray = { data: new Uint8Array(4).fill(100), width: 2, height: 2, channels: 1 as const };
    expect(patchOverlay(gray, { data: [1], height: 1, width: 1 }).channels).toBe(3);
  });

  test('weights outside [0, 1] are rejected', () => {
    expect(() => patchOverlay(image, heat, { heatmapWeight: 2 })).toThrow(
      'heatmapWeight must be a number in [0, 1], got 2',
    );
  });
});

describe('probabilityLabel', () => {
  test('two decimals, exact binary ties to even like Python %.2f', () => {
    expect(probabilityLabel(0.8712)).toBe('p(real)=0.87');
    expect(probabilityLabel(1)).toBe('p(real)=1.00');
    expect(probabilityLabel(0.125)).toBe('p(real)=0.12');
    expect(probabilityLabel(0.375)).toBe('p(real)=0.38');
    expect(probabilityLabel(0.005, 'fake')).toBe('p(fake)=0.01');
  });
});

describe('heatmap_avg', () => {
  const maps = ov.maps.map((m) => ({
    data: Float32Array.from(m),
    height: ov.mapHeight,
    width: ov.mapWidth,
  }));

  test('averageMaps equals np.mean(float32 stack, axis=0) exactly', () => {
    expect(Array.from(averageMaps(maps).data)).toEqual(ov.average);
  });

  test('heatmapAvgImage equals the reference (min-max without epsilon, JET, no blend)', () => {
    const out = heatmapAvgImage(maps, { height: ov.height, width: ov.width });
    expect(diffStats(out.data, ov.heatmapAvg).count).toBe(0);
  });

  test('averageMaps rejects an empty list and mixed sizes', () => {
    expect(() => averageMaps([])).toThrow('averageMaps needs at least one map');
    expect(() => averageMaps([maps[0], { data: [1], height: 1, width: 1 }])).toThrow(
      'maps[1] is 1×1, but maps[0] is 9×9',
    );
  });
});

describe('trainingOverlay (spec §2.3)', () => {
  test('no normalisation, probability ×255, blend in [0, 1]: equals the reference within 1 level', () => {
    const out = trainingOverlay(image, heat);
    const d = diffStats(out.data, ov.trainOverlay);
    expect(d.max).toBeLessThanOrEqual(1);
    expect(d.count).toBe(0);
  });

  test('differs from the normalised patch overlay (colours are absolute)', () => {
    expect(diffStats(trainingOverlay(image, heat).data, ov.patchOverlay).count).toBeGreaterThan(0);
  });
});
