import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { crc32, createRng } from '@patchfx/data';

// Reference values from an independent implementation, Python's zlib (zlib's C code):
//   python3 -c "import zlib; print(zlib.crc32(b'123456789'), zlib.crc32(bytes(range(256))),
//     zlib.crc32(b'The quick brown fox jumps over the lazy dog'))"
const PYTHON_ZLIB = [
  ['123456789', new TextEncoder().encode('123456789'), 0xcbf43926],
  ['bytes 0..255', Uint8Array.from({ length: 256 }, (_, i) => i), 688229491],
  [
    'the quick brown fox',
    new TextEncoder().encode('The quick brown fox jumps over the lazy dog'),
    1095738169,
  ],
  ['empty', new Uint8Array(0), 0],
] as const;

describe('crc32', () => {
  for (const [name, bytes, want] of PYTHON_ZLIB) {
    test(`${name}: as Python's zlib.crc32`, () => expect(crc32(bytes)).toBe(want));
  }

  test("random buffers and sub-ranges: as Node's zlib.crc32", () => {
    const rng = createRng(7);
    for (const n of [1, 3, 255, 4096, 70_001]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng.random() * 256));
      expect(crc32(bytes), `n=${n}`).toBe(zlibCrc32(bytes));
      const start = Math.floor(n / 3);
      const end = n - Math.floor(n / 5);
      expect(crc32(bytes, start, end), `n=${n} [${start}, ${end})`).toBe(
        zlibCrc32(bytes.subarray(start, end)),
      );
    }
  });
});
