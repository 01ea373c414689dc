import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { withNoLeaks } from '@patchfx/test-utils';
import {
  adjustBrightnessContrast,
  adjustGamma,
  batchToTensor,
  boxBlur,
  centerCrop,
  centerCropBox,
  createImage,
  createRng,
  cropImage,
  flipHorizontal,
  gaussianBlur,
  jpegRecompress,
  normalizeImage,
  randomCrop,
  randomResizedCrop,
  randomResizedCropBox,
  resizeRoundTrip,
  roundHalfEven,
} from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import { diffStats, fromBase64, noiseImage, patternImage, readJson } from './helpers.js';

const ramp = (w: number, h: number) => {
  const img = createImage(w, h);
  for (let i = 0; i < w * h; i++) img.data.set([i % 256, (i >> 8) % 256, 7], 3 * i);
  return img;
};
const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('centre crop (torchvision: round half to even)', () => {
  test('roundHalfEven', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, -0, -2, 2, 3,
    ]);
  });
  const cases = [
    // [W, H, w, h, top, left] — torchvision: top = round((H - h) / 2), left = round((W - w) / 2)
    [5, 5, 2, 2, 2, 2], // 1.5 → 2
    [7, 7, 2, 2, 2, 2], // 2.5 → 2
    [9, 9, 2, 2, 4, 4], // 3.5 → 4
    [10, 6, 4, 4, 1, 3],
    [299, 299, 299, 299, 0, 0],
    [300, 300, 299, 299, 0, 0], // 0.5 → 0
    [302, 302, 299, 299, 2, 2], // 1.5 → 2
  ] as const;
  for (const [W, H, w, h, top, left] of cases) {
    test(`${W}×${H} → ${w}×${h}`, () => {
      expect(centerCropBox(W, H, w, h)).toEqual({ top, left, height: h, width: w });
      const out = centerCrop(ramp(W, H), [w, h]);
      expect([out.width, out.height]).toEqual([w, h]);
      expect(pixel(out, 0, 0)).toEqual(pixel(ramp(W, H), left, top));
    });
  }
  test('a crop larger than the image is padded with black (PIL crop)', () => {
    const out = centerCrop(createImage(2, 2, new Uint8Array(12).fill(9)), 4);
    expect(pixel(out, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(out, 1, 1)).toEqual([9, 9, 9]);
    expect(pixel(out, 2, 2)).toEqual([9, 9, 9]);
    expect(pixel(out, 3, 3)).toEqual([0, 0, 0]);
  });
  test('cropImage rejects an empty box', () => {
    expect(() => cropImage(createImage(2, 2), { top: 0, left: 0, width: 0, height: 1 })).toThrow(
      /positive integers/,
    );
  });
});

describe('random crop', () => {
  test('stays inside, covers every offset, deterministic for a seed', () => {
    const img = ramp(6, 5);
    const seen = new Set<string>();
    const rng = createRng(3);
    for (let i = 0; i < 400; i++) {
      const out = randomCrop(img, 4, rng);
      const [r, g] = pixel(out, 0, 0);
      const idx = r + 256 * g;
      seen.add(`${idx % 6},${Math.floor(idx / 6)}`);
    }
    expect(seen.size).toBe(3 * 2); // left ∈ 0..2, top ∈ 0..1
    const a = randomCrop(img, 4, createRng(9));
    const b = randomCrop(img, 4, createRng(9));
    expect(a.data).toEqual(b.data);
  });
  test('too small an image is an error that says what to set', () => {
    expect(() => randomCrop(ramp(3, 3), 4, createRng(0))).toThrow(/set loadSize ≥ fineSize/);
  });
});

describe('random resized crop (torchvision get_params)', () => {
  test('area and ratio within range; size exact', () => {
    const rng = createRng(1);
    for (let i = 0; i < 300; i++) {
      const b = randomResizedCropBox(128, 100, rng);
      expect(b.top).toBeGreaterThanOrEqual(0);
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.top + b.height).toBeLessThanOrEqual(100);
      expect(b.left + b.width).toBeLessThanOrEqual(128);
      const area = (b.width * b.height) / (128 * 100);
      // rounding of w and h can move area and ratio slightly past the limits
      expect(area).toBeGreaterThan(0.06);
      expect(b.width / b.height).toBeGreaterThan(0.7);
      expect(b.width / b.height).toBeLessThan(1.42);
    }
  });
  test('fallback: centred crop clamped to the ratio range when no attempt fits', () => {
    // A 1000×10 image: every sampled crop is too tall, so all 10 attempts fail.
    expect(randomResizedCropBox(1000, 10, createRng(0))).toEqual({
      top: 0,
      left: 493,
      height: 10,
      width: 13,
    });
    expect(randomResizedCropBox(10, 1000, createRng(0))).toEqual({
      top: 493,
      left: 0,
      height: 13,
      width: 10,
    });
  });
  test('uses the documented draw order: uniform(scale), uniform(log ratio), randint(top), randint(left)', () => {
    const r = createRng(5);
    const s = r.uniform(0.08, 1) * 128 * 128;
    const a = Math.exp(r.uniform(Math.log(3 / 4), Math.log(4 / 3)));
    const w = roundHalfEven(Math.sqrt(s * a));
    const h = roundHalfEven(Math.sqrt(s / a));
    const top = r.int(0, 128 - h);
    const left = r.int(0, 128 - w);
    expect(randomResizedCropBox(128, 128, createRng(5))).toEqual({
      top,
      left,
      height: h,
      width: w,
    });
  });
  test('output is size × size', () => {
    const out = randomResizedCrop(noiseImage(40, 30), 17, createRng(2));
    expect([out.width, out.height]).toEqual([17, 17]);
  });
});

test('flip', () => {
  const img = ramp(5, 3);
  const f = flipHorizontal(img);
  expect(pixel(f, 0, 1)).toEqual(pixel(img, 4, 1));
  expect(flipHorizontal(f).data).toEqual(img.data);
});

describe('normalise to [-1, 1]', () => {
  test('values are float32((x/255 − 0.5)/0.5) as PyTorch computes them', () => {
    const img = createImage(
      256,
      1,
      Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3)),
    );
    const out = normalizeImage(img);
    expect(out[0]).toBe(-1);
    expect(out[255 * 3 + 0]).toBe(1);
    for (let v = 0; v < 256; v++) {
      expect(out[3 * v]).toBe(Math.fround(Math.fround(Math.fround(v / 255) - 0.5) / 0.5));
    }
  });
  test('writes at an offset and checks the length', () => {
    const out = new Float32Array(10).fill(5);
    normalizeImage(createImage(1, 1, new Uint8Array([255, 0, 255])), out, 4);
    expect(Array.from(out.subarray(3, 8))).toEqual([5, 1, -1, 1, 5]);
    expect(() => normalizeImage(createImage(2, 2), new Float32Array(3))).toThrow(/needs 12/);
  });
  test('batchToTensor: NHWC shape, no leaks', async () => {
    await withNoLeaks(async () => {
      const t = batchToTensor(new Float32Array(2 * 3 * 4 * 3).fill(0.5), 2, 3, 4);
      expect(t.shape).toEqual([2, 3, 4, 3]);
      expect(t.dtype).toBe('float32');
      expect((await t.data())[7]).toBe(0.5);
      t.dispose();
    });
    expect(() => batchToTensor(new Float32Array(5), 1, 1, 1)).toThrow(/is not 1×1×1×3/);
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });
});

describe('filters against OpenCV / SciPy (generate_filters.py)', () => {
  const fx = readJson<{
    width: number;
    height: number;
    source: string;
    box: Record<string, string>;
    gaussian: Record<string, string>;
  }>('filters.json');
  const src = createImage(fx.width, fx.height, fromBase64(fx.source));
  for (const [k, expected] of Object.entries(fx.box)) {
    test(`box blur k=${k} = cv2.blur (±1 for rounding)`, () => {
      const s = diffStats(boxBlur(src, Number(k)).data, fromBase64(expected));
      expect(s.max).toBeLessThanOrEqual(1);
      // even kernels make many exact .5 means: OpenCV rounds those to even, patchfx up
      expect(s.exact).toBeGreaterThan(Number(k) % 2 ? 0.97 : 0.75);
    });
  }
  for (const [sigma, expected] of Object.entries(fx.gaussian)) {
    test(`Gaussian blur σ=${sigma} = scipy gaussian_filter (rounded)`, () => {
      const s = diffStats(gaussianBlur(src, Number(sigma)).data, fromBase64(expected));
      expect(s.max).toBeLessThanOrEqual(1);
      expect(s.exact).toBeGreaterThan(0.99);
    });
  }
  test('identity cases', () => {
    expect(boxBlur(src, 1).data).toEqual(src.data);
    expect(gaussianBlur(src, 0).data).toEqual(src.data);
    expect(adjustGamma(src, 1).data).toEqual(src.data);
    expect(adjustBrightnessContrast(src, 1, 0).data).toEqual(src.data);
  });
});

describe('pixel adjustments', () => {
  const img = createImage(4, 1, new Uint8Array([0, 64, 128, 255, 10, 20, 30, 40, 50, 60, 70, 80]));
  test('gamma: 255·(x/255)^g, rounded', () => {
    const out = adjustGamma(img, 2);
    expect(Array.from(out.data.subarray(0, 4))).toEqual([0, 16, 64, 255]);
    expect(() => adjustGamma(img, 0)).toThrow(/gamma must be > 0/);
  });
  test('brightness/contrast: x·alpha + beta·255, clipped', () => {
    expect(Array.from(adjustBrightnessContrast(img, 2, 0.1).data.subarray(0, 4))).toEqual([
      26, 154, 255, 255,
    ]);
  });
});

describe('JPEG re-compression and resize-then-back', () => {
  test('JPEG at q changes pixels, more at low q', async () => {
    await initNodeCodecs();
    const src = patternImage(32, 32);
    const meanAbs = (a: Uint8Array) =>
      a.reduce((s, v, i) => s + Math.abs(v - src.data[i]), 0) / a.length;
    const d90 = meanAbs((await jpegRecompress(src, 90)).data);
    const d10 = meanAbs((await jpegRecompress(src, 10)).data);
    expect(d90).toBeGreaterThan(0.5);
    expect(d10).toBeGreaterThan(2 * d90);
  });
  test('resize-then-back keeps the size and loses detail', () => {
    const src = noiseImage(30, 20);
    const out = resizeRoundTrip(src, 0.5);
    expect([out.width, out.height]).toEqual([30, 20]);
    expect(diffStats(out.data, src.data).exact).toBeLessThan(0.2);
    expect(() => resizeRoundTrip(src, 0)).toThrow(/factor must be > 0/);
  });
});
