import { describe, expect, test } from 'vitest';
import { resizeImageBilinear, resizeMapBilinear, resizeNearest } from '@patchfx/viz';
import { diffStats, loadFixture } from './helpers/fixtures.js';

interface Case {
  height: number;
  width: number;
  outHeight: number;
  outWidth: number;
  channels?: 1 | 3 | 4;
  src: number[];
  dst: number[];
}
const fixture = loadFixture<{ linearFloat: Case[]; linearUint8: Case[]; nearest: Case[] }>(
  'resize.json',
);
const title = (c: Case) =>
  `${c.height}×${c.width}${c.channels && c.channels > 1 ? `×${c.channels}` : ''} → ${c.outHeight}×${c.outWidth}`;

describe('resizeMapBilinear matches cv2.resize INTER_LINEAR on float32 (atol 1e-5)', () => {
  for (const c of fixture.linearFloat) {
    test(title(c), () => {
      const out = resizeMapBilinear(
        { data: Float32Array.from(c.src), height: c.height, width: c.width },
        { height: c.outHeight, width: c.outWidth },
      );
      expect([out.height, out.width]).toEqual([c.outHeight, c.outWidth]);
      expect(out.data).toBeInstanceOf(Float32Array);
      expect(diffStats(out.data, c.dst).max).toBeLessThanOrEqual(1e-5);
    });
  }

  test('a 1×1 map becomes a constant map', () => {
    const out = resizeMapBilinear({ data: [0.25], height: 1, width: 1 }, { height: 3, width: 2 });
    expect(Array.from(out.data)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
  });
});

describe('resizeImageBilinear matches cv2.resize INTER_LINEAR on uint8 (≤ 1 level)', () => {
  for (const c of fixture.linearUint8) {
    test(title(c), () => {
      const out = resizeImageBilinear(
        { data: Uint8Array.from(c.src), width: c.width, height: c.height, channels: c.channels! },
        { height: c.outHeight, width: c.outWidth },
      );
      expect([out.height, out.width, out.channels]).toEqual([c.outHeight, c.outWidth, c.channels]);
      const d = diffStats(out.data, c.dst);
      expect(d.max).toBeLessThanOrEqual(1);
      // OpenCV's fixed-point rounding is reproduced exactly on these fixtures.
      expect(d.count).toBe(0);
    });
  }

  test('accepts Uint8ClampedArray (canvas ImageData) input', () => {
    const c = fixture.linearUint8.find((x) => x.channels === 4)!;
    const out = resizeImageBilinear(
      { data: Uint8ClampedArray.from(c.src), width: c.width, height: c.height, channels: 4 },
      { height: c.outHeight, width: c.outWidth },
    );
    expect(diffStats(out.data, c.dst).count).toBe(0);
  });
});

describe('resizeNearest matches cv2.resize INTER_NEAREST (floor mapping)', () => {
  for (const c of fixture.nearest) {
    test(title(c), () => {
      const out = resizeNearest(
        { data: Int32Array.from(c.src), height: c.height, width: c.width },
        { height: c.outHeight, width: c.outWidth },
      );
      expect(out.data).toBeInstanceOf(Int32Array);
      expect(Array.from(out.data)).toEqual(c.dst);
    });
  }

  test('keeps plain arrays plain and moves image pixels whole', () => {
    const labels = resizeNearest({ data: [-1, 5], height: 1, width: 2 }, { height: 2, width: 3 });
    expect(labels.data).toEqual([-1, -1, 5, -1, -1, 5]);
    const img = resizeNearest(
      { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 },
      { height: 1, width: 4 },
    );
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
  });
});

describe('input checks', () => {
  test('size mismatch and bad sizes name the argument', () => {
    expect(() =>
      resizeMapBilinear({ data: [1, 2, 3], height: 2, width: 2 }, { height: 2, width: 2 }),
    ).toThrow('map.data has 3 values, expected 2·2 = 4');
    expect(() =>
      resizeMapBilinear({ data: [1], height: 1, width: 1 }, { height: 0, width: 2 }),
    ).toThrow('size.height must be a positive integer, got 0');
    expect(() =>
      resizeImageBilinear(
        { data: new Uint8Array(4), width: 2, height: 1, channels: 2 as 1 },
        { height: 1, width: 1 },
      ),
    ).toThrow('image.channels must be one of 1 | 3 | 4, got 2');
  });
});
