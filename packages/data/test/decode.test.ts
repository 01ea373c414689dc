import { PNG } from 'pngjs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  decodeImage,
  encodeJpeg,
  estimateJpegQuality,
  ImageDecodeError,
  jpegSubsampling,
  readJpegHeader,
  readPngHeader,
  sniffImageFormat,
} from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import { diffStats, fromBase64, noiseImage, readFixture, readJson } from './helpers.js';

type Expected = { width: number; height: number; rgb: string; pilMode: string } | { error: string };
const expected = readJson<Record<string, Expected>>('decode.json');

beforeAll(() => initNodeCodecs());

const decodable = Object.keys(expected).filter(
  (n) => !/(cmyk|\.gif|\.tif|\.webp)/.test(n) && !('error' in expected[n]),
);

describe('decoding agrees with Pillow 9.4 convert("RGB") exactly', () => {
  test('the fixtures cover every PNG and JPEG case', () => {
    for (const n of [
      'png_gray1.png',
      'png_gray2.png',
      'png_gray4.png',
      'png_gray8.png',
      'png_gray16.png',
      'png_graya8.png',
      'png_graya16.png',
      'png_rgb8.png',
      'png_rgb16.png',
      'png_rgba8.png',
      'png_rgba16.png',
      'png_pal1.png',
      'png_pal4.png',
      'png_pal8.png',
      'png_pal8_trns.png',
      'png_rgb8_trns.png',
      'png_gray8_trns.png',
      'png_rgb8_interlaced.png',
      'png_gray16_interlaced.png',
      'png_rgba16_interlaced.png',
      'png_pal4_interlaced.png',
      'jpeg_baseline_420_q90.jpg',
      'jpeg_baseline_444_q95.jpg',
      'jpeg_baseline_422_q75.jpg',
      'jpeg_progressive_q85.jpg',
      'jpeg_gray_q90.jpg',
      'jpeg_gray_progressive_q80.jpg',
    ]) {
      expect(decodable).toContain(n);
    }
  });
  for (const name of decodable) {
    test(name, async () => {
      const e = expected[name] as Exclude<Expected, { error: string }>;
      const img = await decodeImage(readFixture(`decode/${name}`), name);
      expect([img.width, img.height]).toEqual([e.width, e.height]);
      expect(diffStats(img.data, fromBase64(e.rgb)).max).toBe(0);
    });
  }
  test('16-bit gray is clipped to 255 as Pillow does (mode I → RGB)', async () => {
    const e = expected['png_gray16.png'] as { rgb: string };
    const ref = fromBase64(e.rgb);
    expect(ref.filter((v) => v === 255).length).toBeGreaterThan(ref.length * 0.9);
  });
});

describe('formats patchfx does not decode give an "unsupported format" error', () => {
  const cases = [
    ['other_rgb.tif', 'TIFF'],
    ['other_rgb.gif', 'GIF'],
    ['other_rgb.webp', 'WebP'],
  ] as const;
  for (const [name, label] of cases) {
    test(name, async () => {
      const err = await decodeImage(readFixture(`decode/${name}`), name).catch((e) => e);
      expect(err).toBeInstanceOf(ImageDecodeError);
      expect(err.kind).toBe('unsupported');
      expect(err.message).toContain(`'${name}'`);
      expect(err.message).toContain(`unsupported format ${label}`);
      expect(err.message).toContain('Convert it to PNG');
    });
  }
  test('CMYK JPEG: a clear error (the wasm decoder has no CMYK→RGB)', async () => {
    const err = await decodeImage(readFixture('decode/jpeg_cmyk_q90.jpg'), 'c.jpg').catch((e) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(err.kind).toBe('unsupported');
    expect(err.message).toMatch(/CMYK.*not supported/);
  });
});

describe('bad input: every case names the file', () => {
  const png = readFixture('decode/png_rgb8.png');
  const jpg = readFixture('decode/jpeg_baseline_420_q90.jpg');
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['zero-byte', new Uint8Array(0), /the file is empty \(0 bytes\)/],
    [
      'text file',
      new TextEncoder().encode('<html>not an image</html>'),
      /not an image: unrecognised content \(first bytes 3c 68/,
    ],
    ['PNG cut in the middle', png.slice(0, Math.floor(png.length / 2)), /truncated PNG/],
    ['PNG without IEND', png.slice(0, png.length - 12), /truncated PNG: .*without an IEND/],
    ['PNG signature only', png.slice(0, 8), /truncated PNG|IHDR/],
    ['JPEG cut in the scan data', jpg.slice(0, Math.floor(jpg.length * 0.7)), /truncated JPEG/],
    ['JPEG cut in the header', jpg.slice(0, 40), /truncated JPEG/],
    [
      'JPEG with a garbage marker',
      (() => {
        const b = jpg.slice();
        b[20] = 0x00;
        return b;
      })(),
      /corrupt JPEG: expected a marker at byte 20/,
    ],
  ];
  for (const [title, bytes, message] of cases) {
    test(title, async () => {
      const err = await decodeImage(bytes, `bad/${title}.img`).catch((e) => e);
      expect(err).toBeInstanceOf(ImageDecodeError);
      expect(err.message).toContain(`'bad/${title}.img'`);
      expect(err.message).toMatch(message);
    });
  }
  test("JPEG with a bad Huffman table: libjpeg's message, and the codec still works after", async () => {
    const b = jpg.slice();
    const dht = Buffer.from(b).indexOf(Buffer.from([0xff, 0xc4]));
    for (let i = dht + 5; i < dht + 21; i++) b[i] = 0xff;
    const err = await decodeImage(b, 'huff.jpg').catch((e) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(err.message).toBe(
      "cannot decode 'huff.jpg': corrupt JPEG: Bogus Huffman table definition",
    );
    expect((await decodeImage(jpg, 'ok.jpg')).width).toBe(37);
  });
  test('PNG with a corrupt IDAT (bad CRC)', async () => {
    const b = png.slice();
    const idat = Buffer.from(b).indexOf('IDAT');
    b[idat + 10] ^= 0xff;
    const err = await decodeImage(b, 'crc.png').catch((e) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(err.message).toMatch(/'crc.png': corrupt PNG/);
  });
  test('JPEG with garbage scan data decodes or fails with a named error, never crashes', async () => {
    const b = jpg.slice();
    for (let i = 400; i < 420 && i < b.length - 2; i++) b[i] = 0xff;
    const r = await decodeImage(b, 'g.jpg').then(
      (img) => img.width,
      (e) => (e instanceof ImageDecodeError ? e.file : 'other'),
    );
    expect([37, 'g.jpg']).toContain(r);
  });
});

describe('files written in the test', () => {
  test('pngjs RGBA and 16-bit output decode to their RGB samples', async () => {
    const png = new PNG({ width: 5, height: 3 });
    for (let i = 0; i < 15; i++) png.data.set([i * 10, 255 - i, i, 100], i * 4);
    const bytes = new Uint8Array(PNG.sync.write(png));
    const img = await decodeImage(bytes, 'rgba.png');
    expect(Array.from(img.data.subarray(0, 6))).toEqual([0, 255, 0, 10, 254, 1]);
    expect(readPngHeader(bytes)).toMatchObject({ width: 5, height: 3, bitDepth: 8, colorType: 6 });
  });
  test('JPEG from the encoder: header, quality estimate, subsampling, and close pixels', async () => {
    const src = noiseImage(33, 20);
    for (let i = 0; i < src.data.length; i++) src.data[i] = (src.data[i] >> 4) + 100; // smoother
    for (const q of [30, 75, 90, 100]) {
      const bytes = await encodeJpeg(src, q);
      expect(sniffImageFormat(bytes)).toBe('jpeg');
      const h = readJpegHeader(bytes);
      expect([h.width, h.height, h.progressive]).toEqual([33, 20, false]);
      expect(jpegSubsampling(h)).toBe('4:2:0');
      expect(estimateJpegQuality(h)).toEqual({ quality: q, exact: true });
      const back = await decodeImage(bytes, 'q.jpg');
      expect(diffStats(back.data, src.data).max).toBeLessThan(q >= 90 ? 20 : 48);
    }
    expect(
      jpegSubsampling(readJpegHeader(await encodeJpeg(src, 90, { subsampling: '4:4:4' }))),
    ).toBe('4:4:4');
  });
  test('quality estimates of Pillow-written fixtures', () => {
    const q = (n: string) => estimateJpegQuality(readJpegHeader(readFixture(`decode/${n}`)));
    expect(q('jpeg_baseline_420_q90.jpg')).toEqual({ quality: 90, exact: true });
    expect(q('jpeg_baseline_422_q75.jpg')).toEqual({ quality: 75, exact: true });
    expect(jpegSubsampling(readJpegHeader(readFixture('decode/jpeg_baseline_422_q75.jpg')))).toBe(
      '4:2:2',
    );
    expect(readJpegHeader(readFixture('decode/jpeg_progressive_q85.jpg')).progressive).toBe(true);
  });
  test('encodeJpeg rejects a bad quality', async () => {
    await expect(encodeJpeg(noiseImage(2, 2), 0)).rejects.toThrow(
      /quality must be an integer in 1…100/,
    );
  });
});
