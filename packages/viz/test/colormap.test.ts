import { describe, expect, test } from 'vitest';
import { applyColormap, COLORMAPS, colormapColor, colormapLut } from '@patchfx/viz';
import { loadFixture } from './helpers/fixtures.js';

const fixture = loadFixture<Record<'jet' | 'bone', number[][]>>('colormaps.json');

describe('colormapLut', () => {
  for (const name of COLORMAPS) {
    test(`${name}: all 256 entries equal cv2.applyColorMap (OpenCV 4.6), RGB order`, () => {
      const lut = colormapLut(name);
      expect(lut.length).toBe(768);
      const rows = Array.from({ length: 256 }, (_, v) =>
        Array.from(lut.subarray(v * 3, v * 3 + 3)),
      );
      expect(rows).toEqual(fixture[name]);
    });
  }

  test('returns a copy that callers may modify', () => {
    const a = colormapLut('jet');
    a[0] = 99;
    expect(colormapLut('jet')[0]).toBe(0);
  });

  test('JET runs dark blue → red and BONE black → white', () => {
    expect(colormapColor('jet', 0)).toEqual([0, 0, 128]);
    expect(colormapColor('jet', 255)).toEqual([128, 0, 0]);
    expect(colormapColor('bone', 0)).toEqual([0, 0, 0]);
    expect(colormapColor('bone', 255)).toEqual([255, 255, 255]);
    expect(colormapColor('bone', 300)).toEqual([255, 255, 255]);
  });

  test('unknown names list the allowed ones', () => {
    expect(() => colormapLut('viridis' as 'jet')).toThrow(
      "colormap must be one of 'jet' | 'bone', got 'viridis'",
    );
  });
});

describe('applyColormap', () => {
  test('maps every gray value through the table', () => {
    const gray = {
      data: Uint8Array.from({ length: 256 }, (_, i) => 255 - i),
      width: 16,
      height: 16,
      channels: 1 as const,
    };
    const out = applyColormap(gray, 'bone');
    expect(out.channels).toBe(3);
    expect([out.width, out.height]).toEqual([16, 16]);
    for (let i = 0; i < 256; i++) {
      expect(Array.from(out.data.subarray(i * 3, i * 3 + 3))).toEqual(fixture.bone[255 - i]);
    }
  });

  test('refuses colour input instead of silently converting it', () => {
    const rgb = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 as const };
    expect(() => applyColormap(rgb, 'jet')).toThrow('gray.channels must be one of 1, got 3');
  });
});
