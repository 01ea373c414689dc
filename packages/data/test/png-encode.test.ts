import { constants, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { PNG } from 'pngjs';
import {
  createRng,
  decodePng,
  encodePng,
  PNG_FILTERS,
  PNG_SIGNATURE,
  readPngHeader,
  type PngDeflate,
  type PngFilter,
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
  ) as { channels: 1 | 2 | 3 | 4; filter: PngFilter; level: number }[];
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
    expect(() => encodePng(ok, { filter: 'mixed' as 'none' })).toThrow(
      /filter must be one of 'none' \| 'sub' \| 'up' \| 'average' \| 'paeth' \| 'adaptive', got "mixed"/,
    );
    expect(() => encodePng(ok, { level: 10 })).toThrow(/level must be an integer 0–9, got 10/);
  });

  test('level 0: exactly ceil(n / 65535) stored blocks, also when n is a multiple of 65535', () => {
    // 4 RGBA pixels a row are 17 filtered bytes: 3855 rows are 65535 bytes, 7710 rows 131070.
    for (const height of [3854, 3855, 3856, 7710]) {
      const img = pixels(4, height, 4, height);
      const png = encodePng(img, { filter: 'none', level: 0 });
      const n = 17 * height;
      expect(idat(png).length, `${height} rows`).toBe(2 + 5 * Math.ceil(n / 65535) + n + 4);
      expect(PNG.sync.read(Buffer.from(png)).data.equals(Buffer.from(img.data))).toBe(true);
    }
  });
});

/** The body of a PNG's one IDAT chunk (right after the signature and IHDR). */
function idat(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.subarray(37, 41))).toBe('IDAT');
  return png.subarray(41, 41 + view.getUint32(33));
}

/** `node:zlib` as pngjs's packer calls it by default (strategy Z_RLE, 32 KiB chunks). */
const pngjsDeflate: PngDeflate = (raw, level) =>
  deflateSync(raw, { level, strategy: constants.Z_RLE, chunkSize: 32 * 1024 });

/** What pngjs (an independent encoder) writes for `img`, keeping its colour type. */
function pngjsWrite(img: PngPixels, level: number, filterType?: number): Uint8Array {
  const colorType = ({ 1: 0, 2: 4, 3: 2, 4: 6 } as const)[img.channels];
  const data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const { width, height } = img;
  return PNG.sync.write({ width, height, data } as PNG, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: img.channels % 2 === 0,
    bitDepth: 8,
    deflateLevel: level,
    ...(filterType === undefined ? {} : { filterType }),
  });
}

describe('encodePng gives the bytes pngjs gives (same filters, same zlib)', () => {
  /** Random, smooth (every filter wins somewhere) and flat content. */
  function content(
    width: number,
    height: number,
    channels: 1 | 2 | 3 | 4,
    kind: number,
  ): PngPixels {
    const rng = createRng(width * 131 + height * 7 + channels + kind * 1000);
    const data = new Uint8Array(width * height * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const i = (y * width + x) * channels + c;
          const smooth = (x * (c + 1) + y * 3 + (y >> 2) * x) & 255;
          data[i] = kind === 0 ? rng.int(0, 255) : kind === 1 ? smooth : (smooth >> 6) * 60;
        }
      }
    }
    return { width, height, channels, data };
  }
  const sizes = [
    [1, 1],
    [1, 9],
    [7, 1],
    [13, 9],
    [97, 61],
    [181, 131], // more than 64 KiB of rows with 3 and 4 channels
  ] as const;

  test("'adaptive' with pngjs's zlib: byte for byte, every colour type, size, content and level", () => {
    for (const [width, height] of sizes) {
      for (const channels of [1, 2, 3, 4] as const) {
        for (const kind of [0, 1, 2]) {
          const img = content(width, height, channels, kind);
          for (const level of [0, 1, 6, 9]) {
            const png = encodePng(img, { filter: 'adaptive', level, deflate: pngjsDeflate });
            const what = `${width}×${height}×${channels}, content ${kind}, level ${level}`;
            expect(Buffer.from(png).equals(pngjsWrite(img, level)), what).toBe(true);
          }
        }
      }
    }
  });

  test('each fixed filter type 0–4: byte for byte', () => {
    const fixed = PNG_FILTERS.filter((f) => f !== 'adaptive');
    expect(fixed).toEqual(['none', 'sub', 'up', 'average', 'paeth']);
    for (const [width, height] of sizes.slice(0, 5)) {
      for (const channels of [1, 2, 3, 4] as const) {
        const img = content(width, height, channels, 1);
        fixed.forEach((filter, type) => {
          const png = encodePng(img, { filter, level: 6, deflate: pngjsDeflate });
          const what = `${width}×${height}×${channels}, ${filter}`;
          expect(Buffer.from(png).equals(pngjsWrite(img, 6, type)), what).toBe(true);
        });
      }
    }
  });

  test('adaptive rows use more than one filter type on mixed content', () => {
    const img = content(97, 61, 3, 1);
    const raw = inflateSync(idat(encodePng(img, { filter: 'adaptive' })));
    const types = new Set(Array.from({ length: 61 }, (_, y) => raw[y * (97 * 3 + 1)]));
    expect(types.size).toBeGreaterThan(1);
  });
});
