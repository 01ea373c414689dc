import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeNpy, encodeNpy, type NpyArray } from '@patchfx/viz';
import { readNpy, writeNpy } from '@patchfx/viz/node';
import { makeTempDir } from '@patchfx/test-utils';
import { loadBytes, loadFixture } from './helpers/fixtures.js';

const heat = loadFixture<{ heatmap: number[] }>('overlay.json').heatmap;

/** The arrays generate_viz.py saved with np.save. */
const cases: { file: string; array: NpyArray }[] = [
  {
    file: 'f32_2x3.npy',
    array: { data: Float32Array.from([0, 1, 2, 3, 4, 5], (v) => v / 7), shape: [2, 3] },
  },
  {
    file: 'f64_4.npy',
    array: { data: Float64Array.from([0.1, -2.5, 1e-300, Math.PI]), shape: [4] },
  },
  {
    file: 'u8_2x2x3.npy',
    array: { data: Uint8Array.from({ length: 12 }, (_, i) => i * 20), shape: [2, 2, 3] },
  },
  { file: 'i32_3x1.npy', array: { data: Int32Array.from([-1, 0, 2147483647]), shape: [3, 1] } },
  { file: 'i32_scalar.npy', array: { data: Int32Array.from([42]), shape: [] } },
  { file: 'f32_9x9.npy', array: { data: Float32Array.from(heat), shape: [9, 9] } },
  { file: 'f32_0x3.npy', array: { data: new Float32Array(0), shape: [0, 3] } },
  {
    file: 'f32_long_shape.npy',
    array: { data: new Float32Array(2), shape: [1, 1, 1, 1, 1, 1, 1, 1, 1, 2] },
  },
];

describe('encodeNpy writes exactly the bytes np.save (numpy 1.24) wrote', () => {
  for (const c of cases) {
    test(c.file, () => {
      const mine = encodeNpy(c.array);
      const theirs = loadBytes(`npy/${c.file}`);
      expect(Buffer.from(mine).toString('latin1')).toBe(Buffer.from(theirs).toString('latin1'));
    });
  }
});

describe('decodeNpy reads numpy files', () => {
  for (const c of cases) {
    test(c.file, () => {
      const back = decodeNpy(loadBytes(`npy/${c.file}`));
      expect(back.shape).toEqual(c.array.shape);
      expect(back.data.constructor).toBe(c.array.data.constructor);
      expect(Array.from(back.data)).toEqual(Array.from(c.array.data));
    });
  }

  test('big-endian data and format 2.0 headers', () => {
    const header = "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat(64 - ((12 + header.length + 1) % 64)) + '\n';
    const bytes = new Uint8Array(12 + padded.length + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(bytes.buffer).setUint32(8, padded.length, true);
    bytes.set(new TextEncoder().encode(padded), 12);
    new DataView(bytes.buffer).setInt32(12 + padded.length, -5, false);
    new DataView(bytes.buffer).setInt32(12 + padded.length + 4, 70000, false);
    const back = decodeNpy(bytes);
    expect(back.shape).toEqual([2]);
    expect(Array.from(back.data)).toEqual([-5, 70000]);
  });

  test('errors name the problem', () => {
    expect(() => decodeNpy(new Uint8Array(20))).toThrow('not an npy file');
    const f16 = encodeNpy({ data: new Uint8Array(2), shape: [2] });
    f16.set(new TextEncoder().encode("'<f2'"), 19);
    expect(() => decodeNpy(f16)).toThrow("unsupported npy dtype '<f2'");
    const good = loadBytes('npy/f32_2x3.npy');
    expect(() => decodeNpy(good.subarray(0, good.length - 1))).toThrow('npy file truncated');
    expect(() => encodeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(
      'shape [2, 3] holds 6 values, but data has 5',
    );
    expect(() =>
      encodeNpy({ data: new Int16Array(2) as unknown as Int32Array, shape: [2] }),
    ).toThrow('npy data must be a Float32Array, Float64Array, Uint8Array or Int32Array');
  });
});

test('writeNpy and readNpy go through a real file', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'vis', 'heatmap_avg.npy');
    writeNpy(path, cases[5].array);
    const back = readNpy(path);
    expect(back.shape).toEqual([9, 9]);
    expect(Array.from(back.data)).toEqual(heat.map((v) => Math.fround(v)));
  } finally {
    tmp.remove();
  }
});
