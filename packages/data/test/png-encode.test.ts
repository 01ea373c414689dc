import { describe, expect, test } from 'vitest';
import { PNG } from 'pngjs';
import {
  createRng,
  decodePng,
  encodePng,
  PNG_FILTERS,
  PNG_SIGNATURE,
  readPngHeader,
  type PngPixels,
} from '@patchfx/data';

function pixels(width: number, height: number, channels: 1 | 2 | 3 | 4, seed: number): PngPixels {
  const rng = createRng(seed);
  const data = Uint8Array.from({ length: width * height * channels }, () => rng.int(0, 255));
  return { width, height, channels, data };
}

/** The RGBA value pngjs (an independent decoder) should give for pixel `p`. */
function rgbaOf(img: PngPixels, p: number): number[] {
  const v = Array.from(img.data.subarray(p * img.channels, (p + 1) * img.channels));
  if (img.channels === 1) return [v[0], v[0], v[0], 255];
  if (img.channels === 2) return [v[0], v[0], v[0], v[1]];
  if (img.channels === 3) return [...v, 255];
  return v;
}

describe('encodePng', () => {
  const cases = [1, 2, 3, 4].flatMap((channels) =>
    PNG_FILTERS.flatMap((filter) => [0, 6, 9].map((level) => ({ channels, filter, level }))),
  ) as { channels: 1 | 2 | 3 | 4; filter: 'none' | 'paeth'; level: number }[];
  for (const c of cases) {
    test(`${c.channels} channels, filter ${c.filter}, level ${c.level}: pngjs reads the same pixels`, () => {
      const img = pixels(13, 9, c.channels, c.channels * 10 + c.level);
      const png = encodePng(img, { filter: c.filter, level: c.level });
      expect(Array.from(png.subarray(0, 8))).toEqual([...PNG_SIGNATURE]);
      const header = readPngHeader(png);
      expect(header).toMatchObject({ width: 13, height: 9, bitDepth: 8, interlaced: false });
      expect(header.colorType).toBe({ 1: 0, 2: 4, 3: 2, 4: 6 }[c.channels]);
      expect(header.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
      const back = PNG.sync.read(Buffer.from(png));
      expect([back.width, back.height]).toEqual([13, 9]);
      for (let p = 0; p < 13 * 9; p++) {
        expect(Array.from(back.data.subarray(4 * p, 4 * p + 4)), `pixel ${p}`).toEqual(
          rgbaOf(img, p),
        );
      }
      expect(encodePng(img, { filter: c.filter, level: c.level })).toEqual(png);
    });
  }

  test("gray and RGB round-trip through data's own decoder", () => {
    const rgb = pixels(31, 17, 3, 1);
    expect(decodePng(encodePng(rgb)).data).toEqual(rgb.data);
    const gray = pixels(5, 40, 1, 2);
    const back = decodePng(encodePng(gray, { level: 9 }));
    expect(Array.from(back.data.filter((_, i) => i % 3 === 0))).toEqual(Array.from(gray.data));
  });

  test('Paeth rows compress a smooth image better than unfiltered rows', () => {
    const data = Uint8Array.from({ length: 64 * 64 }, (_, i) => ((i % 64) * 3 + (i >> 6)) & 255);
    const img = { width: 64, height: 64, channels: 1, data } as const;
    expect(encodePng(img, { filter: 'paeth' }).length).toBeLessThan(
      encodePng(img, { filter: 'none' }).length,
    );
  });

  test('bad input: clear errors', () => {
    const ok = pixels(2, 2, 3, 0);
    expect(() => encodePng({ ...ok, width: 0 })).toThrow(/width must be a positive integer, got 0/);
    expect(() => encodePng({ ...ok, channels: 5 as 1 })).toThrow(/channels must be one of/);
    expect(() => encodePng({ ...ok, data: new Uint8Array(11) })).toThrow(
      /expected 12 values, got 11/,
    );
    expect(() => encodePng(ok, { filter: 'sub' as 'none' })).toThrow(
      /filter must be one of 'none' \| 'paeth', got "sub"/,
    );
    expect(() => encodePng(ok, { level: 10 })).toThrow(/level must be an integer 0–9, got 10/);
  });
});
