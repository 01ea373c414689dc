// The pure-JS PNG decoder on files written here (real bytes, deflated by node:zlib) and, where
// shared/faces-dev is present, on the 128-px faces; pngjs is the independent reference decoder.
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { FACES_DEV_DIR, hasSharedFaces } from '@patchfx/test-utils';
import { decodeImage, decodePng, ImageDecodeError } from '@patchfx/data';
import { discoverImages } from '@patchfx/data/node';
import { diffStats, noiseImage } from './helpers.js';

interface Ihdr {
  width: number;
  height: number;
  bitDepth?: number;
  colorType?: number;
  interlace?: number;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** A PNG file from its filtered scanlines; the zlib stream is cut into `idatParts` IDAT chunks. */
function pngFile(h: Ihdr, scanlines: Uint8Array, idatParts = 1, before: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(h.width, 0);
  ihdr.writeUInt32BE(h.height, 4);
  ihdr[8] = h.bitDepth ?? 8;
  ihdr[9] = h.colorType ?? 2;
  ihdr[12] = h.interlace ?? 0;
  const z = deflateSync(scanlines);
  const step = Math.ceil(z.length / idatParts);
  const idats = [];
  for (let i = 0; i < z.length; i += step) idats.push(chunk('IDAT', z.subarray(i, i + step)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...before,
    ...idats,
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Filters 8-bit rows (`bpp` bytes per pixel) with the given filter type per row. */
function filterRows(pixels: Uint8Array, stride: number, bpp: number, types: number[]): Uint8Array {
  const rows = pixels.length / stride;
  const out = new Uint8Array(rows * (stride + 1));
  for (let y = 0; y < rows; y++) {
    const t = types[y % types.length];
    out[y * (stride + 1)] = t;
    for (let i = 0; i < stride; i++) {
      const x = pixels[y * stride + i];
      const a = i >= bpp ? pixels[y * stride + i - bpp] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? pixels[(y - 1) * stride + i - bpp] : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][t];
      out[y * (stride + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  return out;
}

/** pngjs's reading of a PNG, as RGB (the independent reference). */
function pngjsRgb(bytes: Uint8Array): Uint8Array {
  const { data, width, height } = PNG.sync.read(Buffer.from(bytes));
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(data.subarray(4 * i, 4 * i + 3), 3 * i);
  return rgb;
}

const errorOf = (bytes: Uint8Array, file: string) => decodeImage(bytes, file).catch((e) => e);

describe('decodePng on files written here', () => {
  test('every filter type, on a zlib stream split over three IDAT chunks', () => {
    const img = noiseImage(9, 10);
    const bytes = pngFile(
      { width: 9, height: 10 },
      filterRows(img.data, 27, 3, [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]),
      3,
    );
    expect(bytes.toString('latin1').split('IDAT').length - 1).toBe(3);
    const out = decodePng(bytes);
    expect([out.width, out.height]).toEqual([9, 10]);
    expect(diffStats(out.data, img.data).max).toBe(0);
    expect(diffStats(out.data, pngjsRgb(bytes)).max).toBe(0);
  });

  test('pngjs-written files, every colour type and filter: the same RGB as pngjs reads', () => {
    const src = noiseImage(11, 7);
    for (const colorType of [0, 2, 4, 6] as const) {
      for (const filterType of [0, 1, 2, 3, 4]) {
        const png = new PNG({ width: 11, height: 7 });
        for (let i = 0; i < 77; i++) {
          png.data.set([...src.data.subarray(3 * i, 3 * i + 3), (i * 37) & 255], 4 * i);
        }
        const bytes = new Uint8Array(
          PNG.sync.write(png, { colorType, filterType, inputHasAlpha: true }),
        );
        const out = decodePng(bytes, 'w.png');
        expect(diffStats(out.data, pngjsRgb(bytes)).max, `${colorType}/${filterType}`).toBe(0);
      }
    }
  });

  test('palette indices past the PLTE entries are grey, as in Pillow', () => {
    // Pillow 9.4: a 4×1 8-bit palette PNG with PLTE (10,20,30), (40,50,60) and indices 0, 1, 2,
    // 200 gives Image.open(f).convert('RGB') = (10,20,30), (40,50,60), (2,2,2), (200,200,200).
    const plte = chunk('PLTE', new Uint8Array([10, 20, 30, 40, 50, 60]));
    const bytes = pngFile(
      { width: 4, height: 1, colorType: 3 },
      new Uint8Array([0, 0, 1, 2, 200]),
      1,
      [plte],
    );
    expect(Array.from(decodePng(bytes).data)).toEqual([
      10, 20, 30, 40, 50, 60, 2, 2, 2, 200, 200, 200,
    ]);
  });

  test('colour of tRNS-transparent pixels is kept, not zeroed (Pillow drops alpha)', () => {
    const pixels = new Uint8Array([10, 20, 30, 40, 50, 60]);
    const trns = chunk('tRNS', new Uint8Array([0, 10, 0, 20, 0, 30]));
    const bytes = pngFile({ width: 2, height: 1 }, filterRows(pixels, 6, 3, [0]), 1, [trns]);
    expect(Array.from(decodePng(bytes).data)).toEqual(Array.from(pixels));
  });
});

describe('corrupt PNGs: an ImageDecodeError that names the file', () => {
  const ok = () => filterRows(noiseImage(4, 3).data, 12, 3, [1]);
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    [
      'unknown filter type',
      () => {
        const s = ok();
        s[13] = 5;
        return pngFile({ width: 4, height: 3 }, s);
      },
      /corrupt PNG: unknown filter type 5 in row 1/,
    ],
    [
      'CRC error in IHDR',
      () => {
        const b = pngFile({ width: 4, height: 3 }, ok());
        b[29] ^= 1;
        return b;
      },
      /corrupt PNG: CRC error in chunk 'IHDR'/,
    ],
    [
      'too few scanlines',
      () => pngFile({ width: 4, height: 3 }, ok().subarray(0, 26)),
      /corrupt PNG: too little image data \(26 of 39 bytes\)/,
    ],
    [
      'IDAT that is not a zlib stream',
      () => {
        const b = pngFile({ width: 4, height: 3 }, ok());
        const at = b.indexOf('IDAT') + 4;
        b.fill(0xee, at, at + 6);
        const end = b.indexOf('IEND') - 8;
        b.writeUInt32BE(crc32(b.subarray(at - 4, end)), end);
        return b;
      },
      /corrupt PNG: (?!CRC)/,
    ],
    [
      'palette image without PLTE',
      () => pngFile({ width: 4, height: 3, colorType: 3 }, new Uint8Array(15)),
      /corrupt PNG: palette image without PLTE/,
    ],
    [
      'unknown interlace method',
      () => pngFile({ width: 4, height: 3, interlace: 2 }, ok()),
      /corrupt PNG: unknown compression, filter or interlace method \(0, 0, 2\)/,
    ],
    [
      'a header over Pillow’s decompression-bomb limit',
      () => pngFile({ width: 20000, height: 20000 }, ok()),
      /image too large: 20000×20000 pixels/,
    ],
  ];
  for (const [title, make, message] of cases) {
    test(title, async () => {
      const err = await errorOf(make(), `bad/${title}.png`);
      expect(err).toBeInstanceOf(ImageDecodeError);
      expect(err.message).toContain(`'bad/${title}.png'`);
      expect(err.message).toMatch(message);
    });
  }
});

describe.skipIf(!hasSharedFaces)('shared/faces-dev', () => {
  test('every 128-px face decodes to exactly what pngjs reads', async () => {
    const { files } = await discoverImages(FACES_DEV_DIR);
    const pngs = files.filter((f) => f.toLowerCase().endsWith('.png'));
    expect(pngs.length).toBeGreaterThan(100);
    for (const f of pngs) {
      const bytes = new Uint8Array(readFileSync(f));
      const img = await decodeImage(bytes, f);
      expect(diffStats(img.data, pngjsRgb(bytes)).max, f).toBe(0);
    }
  });
});
