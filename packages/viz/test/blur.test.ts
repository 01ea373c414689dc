import { describe, expect, test } from 'vitest';
import {
  combineEasiestAverages,
  gaussianFilter,
  renderAverageHeatmap,
  outerContour,
  overlayBlur,
} from '@patchfx/viz';
import { diffStats, loadFixture } from './helpers/fixtures.js';

interface GaussCase {
  height: number;
  width: number;
  sigma: number | [number, number];
  dtype: 'float32' | 'float64';
  src: number[];
  dst: number[];
}
const cases = loadFixture<GaussCase[]>('gaussian.json');

describe('gaussianFilter matches scipy.ndimage.gaussian_filter (reflect, truncate 4; atol 1e-6)', () => {
  for (const c of cases) {
    test(`${c.height}×${c.width} ${c.dtype} sigma ${JSON.stringify(c.sigma)}`, () => {
      const data = c.dtype === 'float32' ? Float32Array.from(c.src) : Float64Array.from(c.src);
      const out = gaussianFilter({ data, height: c.height, width: c.width }, c.sigma);
      expect(out.data).toBeInstanceOf(c.dtype === 'float32' ? Float32Array : Float64Array);
      expect(diffStats(out.data, c.dst).max).toBeLessThanOrEqual(1e-6);
    });
  }

  test('preserves the mean of a map under reflection and leaves a constant map constant', () => {
    const out = gaussianFilter({ data: [5, 5, 5, 5, 5, 5], height: 2, width: 3 }, [3, 0.7]);
    for (const v of out.data) expect(v).toBeCloseTo(5, 12);
  });

  test('sigma 0 on both axes returns an equal copy', () => {
    const src = Float32Array.from([1, 2, 3, 4]);
    const out = gaussianFilter({ data: src, height: 2, width: 2 }, 0);
    expect(out.data).not.toBe(src);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4]);
  });

  test('rejects negative sigma and truncate', () => {
    const map = { data: [1], height: 1, width: 1 };
    expect(() => gaussianFilter(map, -1)).toThrow(
      'sigma (rows) must be a finite number ≥ 0, got -1',
    );
    expect(() => gaussianFilter(map, [1, Number.NaN])).toThrow(
      'sigma (columns) must be a finite number ≥ 0, got NaN',
    );
    expect(() => gaussianFilter(map, 1, { truncate: 0 })).toThrow(
      'truncate must be a finite number > 0, got 0',
    );
  });
});

describe('outerContour', () => {
  test('is the 3×3 dilation minus the mask, clipped at the image edge', () => {
    const mask = new Uint8Array(4 * 5);
    mask[0] = 1; // top-left corner
    mask[2 * 5 + 3] = 1;
    const c = outerContour(mask, { height: 4, width: 5 });
    const grid = Array.from({ length: 4 }, (_, y) =>
      Array.from(c.subarray(y * 5, y * 5 + 5)).join(''),
    );
    expect(grid).toEqual(['01000', '11111', '00101', '00111']);
  });

  test('an empty or full mask has no contour', () => {
    expect(Array.from(outerContour(new Uint8Array(6), { height: 2, width: 3 }))).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from(outerContour(new Uint8Array(6).fill(1), { height: 2, width: 3 }))).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
  });
});

interface OverlayFixture {
  mapHeight: number;
  mapWidth: number;
  height: number;
  width: number;
  heatmap: number[];
  image: number[];
  blurSigma: number;
  threshold: number;
  blurAbove: number[];
  blurBelow: number[];
}
const ov = loadFixture<OverlayFixture>('overlay.json');
const image = {
  data: Uint8Array.from(ov.image),
  width: ov.width,
  height: ov.height,
  channels: 3 as const,
};
const heat = { data: Float32Array.from(ov.heatmap), height: ov.mapHeight, width: ov.mapWidth };

describe('overlayBlur (overlay notebook) against a numpy/scipy/OpenCV rendition', () => {
  for (const [direction, expected] of [
    ['above', ov.blurAbove],
    ['below', ov.blurBelow],
  ] as const) {
    test(direction, () => {
      const { image: out, mask } = overlayBlur(image, heat, {
        sigma: ov.blurSigma,
        threshold: ov.threshold,
        direction,
      });
      const d = diffStats(out.data, expected);
      expect(d.max).toBeLessThanOrEqual(1);
      expect(d.count).toBe(0);
      const inside = mask.reduce((a, b) => a + b, 0);
      expect(inside).toBeGreaterThan(0);
      expect(inside).toBeLessThan(mask.length);
      // Contour pixels are yellow and lie outside the mask.
      let yellow = 0;
      for (let i = 0; i < mask.length; i++) {
        const px = Array.from(out.data.subarray(i * 3, i * 3 + 3));
        if (px[0] === 255 && px[1] === 255 && px[2] === 0 && !mask[i]) yellow++;
      }
      expect(yellow).toBeGreaterThan(0);
    });
  }

  test('"above" and "below" masks are complements', () => {
    const a = overlayBlur(image, heat, { direction: 'above' }).mask;
    const b = overlayBlur(image, heat, { direction: 'below' }).mask;
    for (let i = 0; i < a.length; i++) expect(a[i] + b[i]).toBe(1);
  });

  test('contourColor null draws no contour; bad options list allowed values', () => {
    const { image: out, mask } = overlayBlur(image, heat, { contourColor: null });
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i])
        expect(Array.from(out.data.subarray(i * 3, i * 3 + 3))).toEqual(
          ov.image.slice(i * 3, i * 3 + 3),
        );
    }
    expect(() => overlayBlur(image, heat, { direction: 'up' as 'above' })).toThrow(
      "direction must be one of 'above' | 'below', got 'up'",
    );
  });

  test('a nearly flat map is not stretched (minRange)', () => {
    const flat = { data: new Float32Array(9).fill(0.3), height: 3, width: 3 };
    flat.data[4] = 0.3005;
    const { mask } = overlayBlur(image, flat, { threshold: 0.5 });
    expect(mask.every((m) => m === 0)).toBe(true);
    const stretched = overlayBlur(image, flat, { threshold: 0.5, minRange: 0 }).mask;
    expect(stretched.some((m) => m === 1)).toBe(true);
  });
});

describe('draw_heatmaps view', () => {
  test('renderAverageHeatmap is blurred, normalised, BONE-coloured at the requested size', () => {
    const out = renderAverageHeatmap(heat, { size: { height: 20, width: 30 } });
    expect([out.width, out.height, out.channels]).toEqual([30, 20, 3]);
    // BONE has r ≤ g ≤ b below the midpoint and spans black to white after normalisation.
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < out.data.length; i += 3) {
      lo = Math.min(lo, out.data[i]);
      hi = Math.max(hi, out.data[i + 2]);
    }
    expect(lo).toBeLessThan(40);
    expect(hi).toBeGreaterThan(215);
  });

  test('combineEasiestAverages is (reals + 1 − fakes) / 2', () => {
    const r = { data: [0.9, 0.2], height: 1, width: 2 };
    const f = { data: [0.1, 0.6], height: 1, width: 2 };
    const out = combineEasiestAverages(r, f);
    expect(out.data[0]).toBeCloseTo(0.9, 6);
    expect(out.data[1]).toBeCloseTo(0.3, 6);
    expect(() => combineEasiestAverages(r, { data: [1], height: 1, width: 1 })).toThrow(
      'reals is 1×2 but fakes is 1×1',
    );
  });
});
