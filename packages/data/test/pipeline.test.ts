import { beforeAll, describe, expect, test } from 'vitest';
import {
  boxBlur,
  centerCrop,
  createRng,
  DEFAULT_TRANSFORM_CONFIG,
  evalTransform,
  flipHorizontal,
  resizeShorterSide,
  resolveTransformConfig,
  trainTransform,
  transformOutputSize,
  adjustGamma,
  cnnDetectionAugment,
  colorAugment,
} from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import { diffStats, patternImage } from './helpers.js';

beforeAll(() => initNodeCodecs());
const src = patternImage(48, 40);

describe('resolveTransformConfig', () => {
  test('defaults are the reference base options', () => {
    expect(resolveTransformConfig()).toEqual(DEFAULT_TRANSFORM_CONFIG);
    expect(DEFAULT_TRANSFORM_CONFIG).toMatchObject({ loadSize: 256, fineSize: 256, noFlip: false });
    expect(Object.isFrozen(DEFAULT_TRANSFORM_CONFIG)).toBe(true);
  });
  test('errors name the field and the allowed values', () => {
    expect(() => resolveTransformConfig({ loadSize: 0 })).toThrow(
      /loadSize must be a positive integer, got 0/,
    );
    expect(() => resolveTransformConfig({ randomCrop: true, randomResizedCrop: true })).toThrow(
      /exclusive/,
    );
    expect(() => resolveTransformConfig({ randomCrop: true, loadSize: 10, fineSize: 20 })).toThrow(
      /fineSize ≤ loadSize/,
    );
    expect(() => resolveTransformConfig({ cnnDetectionAugment: 2 })).toThrow(/probability/);
    expect(() => resolveTransformConfig({ testCompression: 0 })).toThrow(/JPEG quality in 1…100/);
    expect(() => resolveTransformConfig({ noFlip: 'yes' as unknown as boolean })).toThrow(
      /noFlip must be true \| false/,
    );
  });
});

describe('validation / test pipeline', () => {
  test('patch models: shorter side to loadSize, centre crop to loadSize', async () => {
    const c = resolveTransformConfig({ loadSize: 32, fineSize: 24 });
    const out = await evalTransform(src, c);
    expect([out.width, out.height]).toEqual([32, 32]);
    expect(out.data).toEqual(centerCrop(resizeShorterSide(src, 32), 32).data);
    expect(transformOutputSize(c, 'val')).toBe(32);
  });
  test('full models: centre crop to fineSize', async () => {
    const c = resolveTransformConfig({ loadSize: 32, fineSize: 24, patchModel: false });
    const out = await evalTransform(src, c);
    expect([out.width, out.height]).toEqual([24, 24]);
    expect(transformOutputSize(c, 'test')).toBe(24);
  });
  test('test-time perturbations are applied (the reference crashed on them)', async () => {
    const base = resolveTransformConfig({ loadSize: 32 });
    const plain = await evalTransform(src, base);
    expect((await evalTransform(src, { ...base, testFlip: true })).data).toEqual(
      flipHorizontal(plain).data,
    );
    expect((await evalTransform(src, { ...base, testBlur: 3 })).data).toEqual(
      boxBlur(plain, 3).data,
    );
    expect((await evalTransform(src, { ...base, testGamma: 150 })).data).toEqual(
      adjustGamma(plain, 1.5).data,
    );
    expect(
      diffStats((await evalTransform(src, { ...base, testCompression: 20 })).data, plain.data)
        .exact,
    ).toBeLessThan(0.5);
    expect(
      diffStats((await evalTransform(src, { ...base, testResize: 0.5 })).data, plain.data).exact,
    ).toBeLessThan(0.8);
  });
});

describe('training pipeline', () => {
  const cfg = resolveTransformConfig({ loadSize: 36, fineSize: 32 });
  test('default: resize + centre crop, then flip with p = 0.5', async () => {
    const base = centerCrop(resizeShorterSide(src, 36), 32);
    let flipped = 0;
    for (let s = 0; s < 40; s++) {
      const out = await trainTransform(src, cfg, createRng(s));
      const isFlip = out.data.every((v, i) => v === flipHorizontal(base).data[i]);
      expect(isFlip || out.data.every((v, i) => v === base.data[i])).toBe(true);
      if (isFlip) flipped++;
    }
    expect(flipped).toBeGreaterThan(8);
    expect(flipped).toBeLessThan(32);
    const noFlip = await trainTransform(src, { ...cfg, noFlip: true }, createRng(1));
    expect(noFlip.data).toEqual(base.data);
  });
  test('random crop and random resized crop give fineSize, vary with the seed, repeat with it', async () => {
    for (const extra of [{ randomCrop: true }, { randomResizedCrop: true }]) {
      const c = { ...cfg, ...extra, noFlip: true };
      const a = await trainTransform(src, c, createRng(1));
      const b = await trainTransform(src, c, createRng(1));
      const d = await trainTransform(src, c, createRng(2));
      expect([a.width, a.height]).toEqual([32, 32]);
      expect(a.data).toEqual(b.data);
      expect(a.data).not.toEqual(d.data);
    }
  });
  test('CNNDetection and colour augmentation: applied with their probabilities, seeded', async () => {
    const img = centerCrop(src, 32);
    let changed = 0;
    for (let s = 0; s < 20; s++) {
      const out = await cnnDetectionAugment(img, 1, createRng(s));
      if (!out.data.every((v, i) => v === img.data[i])) changed++;
    }
    expect(changed).toBe(20);
    expect((await cnnDetectionAugment(img, 0, createRng(0))).data).toEqual(img.data);
    const a = colorAugment(img, createRng(11));
    expect(colorAugment(img, createRng(11)).data).toEqual(a.data);
    let colourChanged = 0;
    for (let s = 0; s < 40; s++) if (colorAugment(img, createRng(s)) !== img) colourChanged++;
    expect(colourChanged).toBeGreaterThan(20); // 1 − 0.5² = 75 % expected
    expect(colourChanged).toBeLessThan(40);
    const full = { ...cfg, cnnDetectionAugment: 0.5, colorAugment: true, allAugment: true };
    const x = await trainTransform(src, full, createRng(3));
    expect((await trainTransform(src, full, createRng(3))).data).toEqual(x.data);
  });
});
