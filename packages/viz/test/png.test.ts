import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { PNG } from 'pngjs';
import { PNG_SIGNATURE } from '@patchfx/data';
import { encodePngRgba, type PixelImage } from '@patchfx/viz';
import { decodePng, encodePng, readPng, writePng } from '@patchfx/viz/node';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';

const ramp = (width: number, height: number, channels: 1 | 3 | 4): PixelImage => ({
  data: Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + 11) % 256),
  width,
  height,
  channels,
});

/** Splits a PNG into chunks, checking each CRC. */
function chunks(png: Uint8Array): { type: string; body: Uint8Array }[] {
  expect(Array.from(png.subarray(0, 8))).toEqual([...PNG_SIGNATURE]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; body: Uint8Array }[] = [];
  for (let o = 8; o < png.length;) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const body = png.subarray(o + 8, o + 8 + len);
    expect(view.getUint32(o + 8 + len)).toBe(crc32(png.subarray(o + 4, o + 8 + len)));
    out.push({ type, body });
    o += 12 + len;
  }
  return out;
}

describe('encodePngRgba (pure, browser-safe)', () => {
  for (const channels of [1, 3, 4] as const) {
    test(`${channels}-channel input decodes to the same pixels as RGBA`, () => {
      const img = ramp(7, 5, channels);
      const png = encodePngRgba(img);
      const types = chunks(png).map((c) => c.type);
      expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
      const back = decodePng(png, { channels: 4 });
      expect([back.width, back.height]).toEqual([7, 5]);
      for (let p = 0; p < 35; p++) {
        const src = img.data.subarray(p * channels, (p + 1) * channels);
        const want =
          channels === 1
            ? [src[0], src[0], src[0], 255]
            : channels === 3
              ? [...src, 255]
              : [...src];
        expect(Array.from(back.data.subarray(p * 4, p * 4 + 4))).toEqual(want);
      }
    });
  }

  test('images over 64 KiB span several stored deflate blocks that zlib accepts', () => {
    const img = ramp(150, 120, 4); // 72 120 bytes of filtered rows
    const png = encodePngRgba(img);
    const idat = chunks(png).find((c) => c.type === 'IDAT')!;
    const raw = inflateSync(idat.body);
    expect(raw.length).toBe(120 * (150 * 4 + 1));
    expect(Array.from(decodePng(png).data)).toEqual(Array.from(img.data));
  });

  test('the main entry never imports Node built-ins or pngjs', () => {
    const srcDir = new URL('../src/', import.meta.url);
    const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.startsWith('node'),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(new URL(f, srcDir), 'utf8');
      expect(text, f).not.toMatch(/from '(node:|pngjs|fs|path|zlib)/);
      expect(text, f).not.toMatch(/\bBuffer\b|\brequire\(/);
    }
  });
});

describe('encodePng / decodePng (Node)', () => {
  for (const channels of [1, 3, 4] as const) {
    test(`${channels} channel(s) round-trip and keep their colour type`, () => {
      const img = ramp(9, 4, channels);
      const png = encodePng(img);
      expect(png).toBeInstanceOf(Uint8Array);
      const ihdr = chunks(png)[0].body;
      expect(ihdr[9]).toBe({ 1: 0, 3: 2, 4: 6 }[channels]);
      const back = decodePng(png);
      expect(back.channels).toBe(channels);
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
    });
  }

  test("encodePng writes the bytes of pngjs's PNG.sync.write with its defaults, at every level", () => {
    const noisy = (width: number, height: number, channels: 1 | 3 | 4): PixelImage => ({
      data: Uint8Array.from({ length: width * height * channels }, (_, i) =>
        i % 7 < 3 ? (i * 2654435761) >>> 24 : (i >> 4) & 255,
      ),
      width,
      height,
      channels,
    });
    for (const [width, height] of [
      [1, 1],
      [9, 4],
      [33, 17],
      [150, 120],
    ]) {
      for (const channels of [1, 3, 4] as const) {
        for (const img of [ramp(width, height, channels), noisy(width, height, channels)]) {
          for (const level of [undefined, 0, 1, 9]) {
            const colorType = ({ 1: 0, 3: 2, 4: 6 } as const)[channels];
            const expected = PNG.sync.write({ width, height, data: Buffer.from(img.data) } as PNG, {
              colorType,
              inputColorType: colorType,
              inputHasAlpha: channels === 4,
              bitDepth: 8,
              deflateLevel: level ?? 6,
            });
            const png = encodePng(img, level === undefined ? {} : { deflateLevel: level });
            expect(
              Buffer.from(png).equals(expected),
              `${width}×${height}×${channels} ${level}`,
            ).toBe(true);
          }
        }
      }
    }
  });

  test('compresses much better than the stored encoder on smooth images', () => {
    const smooth: PixelImage = {
      data: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => Math.floor(i / 192)),
      width: 64,
      height: 64,
      channels: 3,
    };
    expect(encodePng(smooth).length * 5).toBeLessThan(encodePngRgba(smooth).length);
  });

  test('writePng and readPng go through a real file', () => {
    const tmp = makeTempDir();
    try {
      const path = join(tmp.dir, 'nested', 'a.png');
      const img = ramp(5, 6, 3);
      writePng(path, img);
      expect(readPng(path)).toEqual({ ...img, data: Uint8Array.from(img.data) });
    } finally {
      tmp.remove();
    }
  });

  test.skipIf(!hasSharedFaces)('decodes a real face PNG from the shared dev set', () => {
    const dir = join(FACES_DEV_DIR, 'real', 'test');
    const name = readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()[0];
    expect(name).toBeDefined();
    const img = readPng(join(dir, name), { channels: 3 });
    expect([img.width, img.height, img.channels]).toEqual([128, 128, 3]);
    const again = decodePng(encodePngRgba(img), { channels: 3 });
    expect(Array.from(again.data)).toEqual(Array.from(img.data));
  });

  test('errors', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow();
    expect(() => decodePng(encodePng(ramp(2, 2, 3)), { channels: 1 })).toThrow(
      'cannot decode a colour PNG to 1 channel; ask for 3 or 4',
    );
    expect(() => encodePng(ramp(2, 2, 3), { deflateLevel: 10 })).toThrow(
      'deflateLevel must be an integer 0–9, got 10',
    );
  });
});
