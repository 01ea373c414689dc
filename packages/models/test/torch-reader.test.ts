/**
 * The PyTorch file reader: every storage dtype and view kind, zip and legacy containers, and
 * the safety of the pickle subset (refused globals, opcodes and damaged files).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  readTorchFile,
  SAFE_PICKLE_GLOBALS,
  TorchTensor,
  type TorchFile,
} from '../src/torch/index.js';
import { unpickle } from '../src/torch/pickle.js';
import { loadTorchCheckpointFile, readTorchFileFromPath } from '../src/node/index.js';

const DIR = fileURLToPath(new URL('./fixtures/torch/', import.meta.url));
const fixture = (name: string) => new Uint8Array(readFileSync(`${DIR}${name}`));

// ---- tiny writers for hand-made pickles and zips --------------------------------------------

const ascii = (s: string) => Array.from(new TextEncoder().encode(s));
const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
/** Pickle opcodes, each as bytes. */
const P = {
  proto: (n: number) => [0x80, n],
  global: (module: string, name: string) => [0x63, ...ascii(`${module}\n${name}\n`)],
  stackGlobal: [0x93],
  str: (s: string) => [0x58, ...u32(ascii(s).length), ...ascii(s)],
  int1: (n: number) => [0x4b, n],
  mark: [0x28],
  tuple: [0x74],
  tuple1: [0x85],
  emptyTuple: [0x29],
  emptyDict: [0x7d],
  setitem: [0x73],
  reduce: [0x52],
  build: [0x62],
  inst: (module: string, name: string) => [0x69, ...ascii(`${module}\n${name}\n`)],
  stop: [0x2e],
};
const pickle = (...ops: (number | number[])[]) => new Uint8Array(ops.flat());

/** A zip archive with stored entries; `zip64` writes the zip64 records and extra fields. */
function zip(files: Record<string, Uint8Array>, { zip64 = false } = {}): Uint8Array {
  const local: number[] = [];
  const central: number[] = [];
  const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
  const u64 = (n: number) => [...u32(n), 0, 0, 0, 0];
  const big = (n: number) => (zip64 ? 0xffffffff : n);
  for (const [name, data] of Object.entries(files)) {
    const n = ascii(name);
    const crc = crc32(data);
    const offset = local.length;
    local.push(...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(0), ...u16(0), ...u16(0));
    local.push(...u32(crc), ...u32(data.length), ...u32(data.length), ...u16(n.length), ...u16(0));
    local.push(...n, ...data);
    const extra = zip64
      ? [...u16(1), ...u16(24), ...u64(data.length), ...u64(data.length), ...u64(offset)]
      : [];
    central.push(...u32(0x02014b50), ...u16(45), ...u16(45), ...u16(0), ...u16(0), ...u16(0));
    central.push(...u16(0), ...u32(crc), ...u32(big(data.length)), ...u32(big(data.length)));
    central.push(
      ...u16(n.length),
      ...u16(extra.length),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u32(0),
    );
    central.push(...u32(big(offset)), ...n, ...extra);
  }
  const count = Object.keys(files).length;
  const tail: number[] = [];
  if (zip64) {
    const at = local.length + central.length;
    tail.push(...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0));
    tail.push(...u64(count), ...u64(count), ...u64(central.length), ...u64(local.length));
    tail.push(...u32(0x07064b50), ...u32(0), ...u64(at), ...u32(1));
  }
  const eocd = [...u32(0x06054b50), ...u16(0), ...u16(0)];
  eocd.push(...u16(zip64 ? 0xffff : count), ...u16(zip64 ? 0xffff : count));
  eocd.push(...u32(big(central.length)), ...u32(big(local.length)), ...u16(0));
  return new Uint8Array([...local, ...central, ...tail, ...eocd]);
}

const archive = (pkl: Uint8Array, extra: Record<string, Uint8Array> = {}, options = {}) =>
  zip(
    { 'archive/data.pkl': pkl, 'archive/version': new Uint8Array(ascii('3\n')), ...extra },
    options,
  );

const asMap = (f: TorchFile) => f.value as Map<string, unknown>;
const tensor = (f: TorchFile, key: string) => asMap(f).get(key) as TorchTensor;

// ---- tests ----------------------------------------------------------------------------------

describe('readTorchFile: dtypes, views and plain values', () => {
  const cases = [
    { key: 'float32', dtype: 'float32', shape: [3], values: [1.5, -2.25, 3] },
    { key: 'float64', dtype: 'float64', shape: [2], values: [0.1, -1e300] },
    {
      key: 'float16',
      dtype: 'float16',
      shape: [4],
      values: [1, -0.5, 65504, 5.960464477539063e-8],
    },
    { key: 'bfloat16', dtype: 'bfloat16', shape: [3], values: [1, -3.5, 1.0002555517425873e30] },
    { key: 'int64', dtype: 'int64', shape: [2], values: [-(2n ** 40n), 5n] },
    { key: 'int32', dtype: 'int32', shape: [2], values: [-7, 2 ** 30] },
    { key: 'int16', dtype: 'int16', shape: [2], values: [-300, 300] },
    { key: 'int8', dtype: 'int8', shape: [2], values: [-128, 127] },
    { key: 'uint8', dtype: 'uint8', shape: [2], values: [0, 255] },
    { key: 'bool', dtype: 'bool', shape: [3], values: [1, 0, 1] },
    // arange(6).reshape(2, 3).t(): stride (1, 3)
    { key: 'transposed', dtype: 'float32', shape: [3, 2], values: [0, 3, 1, 4, 2, 5] },
    // arange(10)[2:8:2]: storage offset 2, stride 2
    { key: 'sliced', dtype: 'float32', shape: [3], values: [2, 4, 6] },
    // two views of one storage, the second at offset 4
    { key: 'shared_a', dtype: 'float32', shape: [2, 2], values: [0, 1, 2, 3] },
    { key: 'shared_b', dtype: 'float32', shape: [4], values: [4, 5, 6, 7] },
    { key: 'scalar', dtype: 'float32', shape: [], values: [3.5] },
    { key: 'empty', dtype: 'float32', shape: [0, 3], values: [] },
    // nn.Parameter → torch._utils._rebuild_parameter
    { key: 'param', dtype: 'float32', shape: [2], values: [1, 1] },
  ] as const;

  for (const file of ['dtypes.pth', 'dtypes_legacy.pth']) {
    test(`${file}: every tensor has its dtype, shape and values`, async () => {
      const f = await readTorchFile(fixture(file));
      expect(f.format).toBe(file.includes('legacy') ? 'legacy' : 'zip');
      for (const c of cases) {
        const t = tensor(f, c.key);
        expect(t, c.key).toBeInstanceOf(TorchTensor);
        expect(t.dtype, c.key).toBe(c.dtype);
        expect(t.shape, c.key).toEqual(c.shape);
        expect(Array.from(t.data as ArrayLike<number | bigint>), c.key).toEqual(c.values);
      }
      expect(tensor(f, 'shared_a').storage).toBe(tensor(f, 'shared_b').storage);
      expect(tensor(f, 'shared_b').storageOffset).toBe(4);
      expect(tensor(f, 'transposed').stride).toEqual([1, 3]);
    });

    test(`${file}: plain values (lists, tuples, bytes, big ints, numpy scalars)`, async () => {
      const f = await readTorchFile(fixture(file));
      const nested = asMap(f).get('nested') as Map<string, unknown>;
      expect(nested.get('list')).toEqual([1, 2.5, 'x', null, true]);
      expect(nested.get('tuple')).toEqual([1, [2, 3]]);
      expect(Object.isFrozen(nested.get('tuple'))).toBe(true);
      expect(Array.from(nested.get('bytes') as Uint8Array)).toEqual([97, 98, 0]);
      expect(nested.get('big')).toBe(2n ** 70n);
      expect(nested.get('neg')).toBe(-5);
      expect(nested.get('float')).toBe(0.1);
      expect(nested.get('inf')).toBe(-Infinity);
      expect(nested.get('int_key')).toEqual(new Map([[3, 'three']]));
      expect(asMap(f).get('np_float')).toBe(0.25);
      // OrderedDict keeps the saved order.
      expect([...asMap(f).keys()].slice(0, 3)).toEqual(['float32', 'float64', 'float16']);
    });
  }

  test('the Node reader names the file in its errors', async () => {
    await expect(readTorchFileFromPath(`${DIR}no-such-file.pth`)).rejects.toThrow(
      /no such file '.*no-such-file\.pth'/,
    );
    await expect(readTorchFileFromPath(DIR)).rejects.toThrow(/is a folder/);
  });
});

describe('the pickle subset never runs code', () => {
  const marker = '/tmp/patchfx-pickle-was-executed';

  test('a checkpoint calling os.system through __reduce__ is refused, naming posix.system', async () => {
    rmSync(marker, { force: true });
    await expect(readTorchFile(fixture('malicious.pth'))).rejects.toThrow(
      /refusing to load: its pickle names the global 'posix\.system'/,
    );
    await expect(loadTorchCheckpointFile(`${DIR}malicious.pth`)).rejects.toThrow(
      /'.*malicious\.pth': refusing to load.*'posix\.system'.*could run arbitrary code/s,
    );
    expect(existsSync(marker)).toBe(false);
    expect(SAFE_PICKLE_GLOBALS).not.toContain('posix.system');
  });

  const refused = [
    {
      title: 'builtins.eval through STACK_GLOBAL (protocol 4)',
      pkl: pickle(
        P.proto(4),
        P.str('builtins'),
        P.str('eval'),
        P.stackGlobal,
        P.str('1+1'),
        P.tuple1,
        P.reduce,
        P.stop,
      ),
      error: /'builtins\.eval'/,
    },
    {
      title: '__builtin__.exec (a protocol-2 name, mapped as Python does)',
      pkl: pickle(
        P.proto(2),
        P.global('__builtin__', 'exec'),
        P.str('x'),
        P.tuple1,
        P.reduce,
        P.stop,
      ),
      error: /'builtins\.exec'/,
    },
    {
      title: 'a whole pickled model class, with a hint to save the state dict',
      pkl: pickle(P.proto(2), P.global('__main__', 'Net'), P.emptyTuple, P.reduce, P.stop),
      error: /'__main__\.Net'.*re-save model\.state_dict\(\)/s,
    },
    {
      title: 'calling an allowed value-only global (a storage type)',
      pkl: pickle(P.proto(2), P.global('torch', 'FloatStorage'), P.emptyTuple, P.reduce, P.stop),
      error: /refusing to call 'torch\.FloatStorage'/,
    },
    {
      title: 'the INST opcode (direct class instantiation)',
      pkl: pickle(P.proto(2), P.mark, P.inst('os', 'system'), P.stop),
      error: /refusing INST\/OBJ/,
    },
    {
      title: 'BUILD (setstate) on a non-container',
      pkl: pickle(P.proto(2), P.int1(1), P.emptyDict, P.build, P.stop),
      error: /BUILD \(setstate\) on an unsupported object/,
    },
    {
      title: 'an unknown opcode',
      pkl: pickle(P.proto(2), [0xff], P.stop),
      error: /unknown pickle opcode 0xff/,
    },
    {
      title: 'a truncated pickle',
      pkl: pickle(P.proto(2), P.emptyDict, P.str('abc').slice(0, 4)),
      error: /unexpected end of data/,
    },
  ];
  for (const c of refused) {
    test(`refused: ${c.title}`, async () => {
      await expect(readTorchFile(archive(c.pkl), { where: 'doctored.pth' })).rejects.toThrow(
        c.error,
      );
    });
  }

  test('the allow-list builds an OrderedDict of plain values', async () => {
    const pkl = pickle(
      P.proto(2),
      P.global('collections', 'OrderedDict'),
      P.emptyTuple,
      P.reduce,
      P.str('epoch'),
      P.int1(7),
      P.setitem,
      P.stop,
    );
    const f = await readTorchFile(archive(pkl));
    expect(f.value).toEqual(new Map([['epoch', 7]]));
  });

  test('zip64 archives (zip64 end record and extra fields) are read', async () => {
    const pkl = pickle(P.proto(2), P.emptyDict, P.str('epoch'), P.int1(9), P.setitem, P.stop);
    const f = await readTorchFile(archive(pkl, {}, { zip64: true }));
    expect(f.value).toEqual(new Map([['epoch', 9]]));
  });

  test('the generic interpreter refuses persistent ids without a loader', () => {
    const pkl = pickle(P.proto(2), P.str('x'), [0x51], P.stop);
    expect(() => unpickle(pkl, 0, { findGlobal: () => ({ module: 'm', name: 'n' }) })).toThrow(
      /persistent ids are not allowed/,
    );
  });
});

describe('damaged and foreign files', () => {
  test('a flipped byte in a stored tensor fails the CRC-32 check', async () => {
    const bytes = fixture('xception_block1.pth');
    // The last storage ends shortly before the central directory; flip a byte in the middle.
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await expect(readTorchFile(bytes, { where: 'x.pth' })).rejects.toThrow(
      /x\.pth: CRC-32 mismatch in 'xception_block1\/data\/\d+'/,
    );
  });

  test('a truncated archive is reported as such', async () => {
    const bytes = fixture('xception_block1.pth').subarray(0, 100_000);
    await expect(readTorchFile(bytes, { where: 'x.pth' })).rejects.toThrow(
      /x\.pth: not a readable zip archive .*truncated/,
    );
  });

  test('a file that is no checkpoint at all says what it starts with', async () => {
    const json = fixture('fixtures.json');
    await expect(readTorchFile(json, { where: 'f.json' })).rejects.toThrow(
      /f\.json is not a PyTorch checkpoint: .* \(it starts with 7b 0a 20/,
    );
    await expect(readTorchFile(new Uint8Array(0), { where: 'e.pth' })).rejects.toThrow(
      /the file is empty/,
    );
  });

  test('a zip without data.pkl is not a torch.save archive; TorchScript gets a hint', async () => {
    const z = zip({ 'model/code/__torch__.py': new Uint8Array(ascii('x')) });
    await expect(readTorchFile(z, { where: 'm.pt' })).rejects.toThrow(
      /m\.pt is a zip file but not a torch\.save archive: it has no model\/data\.pkl\. It looks like a TorchScript archive/,
    );
  });

  test('big-endian checkpoints are refused (zip byteorder record and legacy sys_info)', async () => {
    const pkl = pickle(P.proto(2), P.emptyDict, P.stop);
    await expect(
      readTorchFile(archive(pkl, { 'archive/byteorder': new Uint8Array(ascii('big')) })),
    ).rejects.toThrow(/big-endian machine \(byteorder 'big'\)/);
    const legacy = pickle(
      // magic number, protocol 1001, sys_info {'little_endian': False}
      P.proto(2),
      [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19],
      P.stop,
      P.proto(2),
      [0x4d, 0xe9, 0x03],
      P.stop,
      P.proto(2),
      P.emptyDict,
      P.str('little_endian'),
      [0x89],
      P.setitem,
      P.stop,
    );
    await expect(readTorchFile(legacy)).rejects.toThrow(/big-endian machine/);
  });
});
