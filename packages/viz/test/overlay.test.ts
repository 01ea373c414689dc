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
    const label = probabilityLabel(0.87, 'real');
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

  test('images without channels (an RgbImage of @patchfx/data, a canvas ImageData) are taken as they are', () => {
    // What the detector's onModelInput hands back: { data, width, height }, RGB.
    const rgb = { data: image.data, width: image.width, height: image.height };
    expect(patchOverlay(rgb, heat).data).toEqual(patchOverlay(image, heat).data);
    // ImageData: RGBA in a Uint8ClampedArray, no channels field.
    const imageData = {
      data: Uint8ClampedArray.from({ length: ov.width * ov.height * 4 }, (_, i) =>
        i % 4 === 3 ? 255 : ov.image[Math.floor(i / 4) * 3 + (i % 4)],
      ),
      width: ov.width,
      height: ov.height,
      colorSpace: 'srgb' as const,
    };
    expect(diffStats(patchOverlay(imageData, heat).data, ov.patchOverlay).count).toBe(0);
    expect(trainingOverlay(rgb, heat).data).toEqual(trainingOverlay(image, heat).data);
    expect(() => patchOverlay({ data: new Uint8Array(10), width: 2, height: 2 }, heat)).toThrow(
      'image.data has 10 bytes: 2·2 pixels of 1 (gray), 3 (RGB) or 4 (RGBA) bytes are 4, 12 or 16',
    );
  });

  test("scale 'absolute' maps P = 0…1 straight onto the colormap (exact pixels)", () => {
    const gray100 = { data: new Uint8Array(3 * 3).fill(100), width: 3, height: 1 };
    const map = { data: new Float32Array([0, 0.5, 1]), height: 1, width: 3 };
    // JET(0) = [0, 0, 128], JET(127) = [126, 255, 130], JET(255) = [128, 0, 0]; then
    // trunc(0.3·heat + 0.5·100).
    const expected = [50, 50, 88, 87, 126, 89, 88, 50, 50];
    expect(Array.from(patchOverlay(gray100, map, { scale: 'absolute' }).data)).toEqual(expected);
    // A map of 0.5 everywhere is mid-scale (green), not the bottom of a stretched range (blue).
    const flat = { data: new Float32Array([0.5, 0.5, 0.5]), height: 1, width: 3 };
    expect(Array.from(patchOverlay(gray100, flat, { scale: 'absolute' }).data)).toEqual([
      87, 126, 89, 87, 126, 89, 87, 126, 89,
    ]);
    expect(Array.from(patchOverlay(gray100, flat).data)).toEqual([
      50, 50, 88, 50, 50, 88, 50, 50, 88,
    ]);
    // 0.5 vs 0.51: stretched they are the two ends of JET; absolute they are almost the same.
    const close = { data: new Float32Array([0.5, 0.51, 0.5]), height: 1, width: 3 };
    // JET(254) = [132, 0, 0]: the stretch ends just under 1 (epsilon).
    expect(Array.from(patchOverlay(gray100, close).data.subarray(3, 6))).toEqual([89, 50, 50]);
    expect(
      Array.from(patchOverlay(gray100, close, { scale: 'absolute' }).data.subarray(3, 6)),
    ).toEqual(
      [91, 126, 85], // JET(130) = [138, 255, 118]
    );
    // heatmapAvgImage too: no blend, the colormap itself.
    expect(
      Array.from(heatmapAvgImage(map, { height: 1, width: 3 }, { scale: 'absolute' }).data),
    ).toEqual([0, 0, 128, 126, 255, 130, 128, 0, 0]);
    expect(() => patchOverlay(gray100, map, { scale: 'log' as 'absolute' })).toThrow(
      "scale must be one of 'minmax' | 'absolute', got 'log'",
    );
  });

  test('weights outside [0, 1] are rejected', () => {
    expect(() => patchOverlay(image, heat, { heatmapWeight: 2 })).toThrow(
      'heatmapWeight must be a number in [0, 1], got 2',
    );
  });
});

describe('probabilityLabel', () => {
  test('two decimals, exact binary ties to even like Python %.2f', () => {
    expect(probabilityLabel(0.8712, 'real')).toBe('p(real)=0.87');
    expect(probabilityLabel(1, 'real')).toBe('p(real)=1.00');
    expect(probabilityLabel(0.125, 'real')).toBe('p(real)=0.12');
    expect(probabilityLabel(0.375, 'real')).toBe('p(real)=0.38');
    expect(probabilityLabel(0.005, 'fake')).toBe('p(fake)=0.01');
  });

  test("defaults to P(fake), patchfx's convention for what users see", () => {
    expect(probabilityLabel(0.8712)).toBe('p(fake)=0.87');
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
