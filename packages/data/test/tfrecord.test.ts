/**
 * TFRecord reading and writing against an independent implementation: Debian's Python
 * (`fixtures/tfrecord_tool.py`: google.protobuf messages built from descriptors, crcmod's
 * CRC-32C) writes files this reader must read, and reads (checking both CRCs) the files this
 * writer writes. Corrupt files — a flipped data byte, a flipped length byte, a cut — give errors
 * naming the file, the record and its byte offset.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { createImage } from '@patchfx/data';
import {
  createTfRecordParser,
  decodeExample,
  decodeImageRecord,
  decodeTfRecords,
  encodeExample,
  encodeTfRecord,
  exampleToImage,
  imageToExample,
  TfRecordError,
  type ExampleFeatures,
  type TfRecord,
} from '@patchfx/data/tfrecord';
import { createTfRecordWriter, readTfRecords } from '@patchfx/data/node';

/** Debian's python3 with python3-protobuf, python3-crcmod and python3-numpy (not a pyenv python). */
const PYTHON = '/usr/bin/python3';
const TOOL = join(import.meta.dirname, 'fixtures', 'tfrecord_tool.py');

const tmp = makeTempDir('patchfx-tfrecord-');
afterAll(() => tmp.remove());

type PyFeature = { int64: number[] } | { float: number[] } | { bytes: string[] } | object;

function python(args: readonly string[], input?: string): string {
  const r = spawnSync(PYTHON, [TOOL, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tfrecord_tool.py ${args[0]} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/** Python writes a TFRecord of these records (features, or raw record bytes). */
function pythonWrite(
  name: string,
  records: readonly ({ features: Record<string, PyFeature> } | { raw: Uint8Array })[],
): string {
  const path = join(tmp.dir, name);
  const spec = records.map((r) =>
    'raw' in r ? { raw: Buffer.from(r.raw).toString('base64') } : r,
  );
  python(['write', path], JSON.stringify({ records: spec }));
  return path;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Pixels that differ per channel and position (CHW). */
function chwPixels(c: number, h: number, w: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: c * h * w }, (_, i) => (i * 37 + seed * 101 + (i >> 3)) & 255);
}

async function collect(it: AsyncIterable<TfRecord>): Promise<TfRecord[]> {
  const out: TfRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Catches the error of `f` (sync or async). */
async function errorOf(f: () => unknown): Promise<TfRecordError> {
  try {
    await f();
  } catch (e) {
    return e as TfRecordError;
  }
  throw new Error('expected an error');
}

describe('TFRecords written by Python (google.protobuf + crcmod)', () => {
  const images = [
    { c: 3, h: 5, w: 7 },
    { c: 3, h: 64, w: 48 },
    { c: 1, h: 3, w: 4 },
  ];
  const path = pythonWrite('python.tfrecord', [
    ...images.map(({ c, h, w }, i) => ({
      features: { shape: { int64: [c, h, w] }, data: { bytes: [b64(chwPixels(c, h, w, i))] } },
    })),
    {
      features: {
        label: { int64: [-3, 0, 2 ** 40, 2 ** 53 - 1] },
        score: { float: [0.5, -1.25, 3.0e-7] },
        names: { bytes: [b64(new TextEncoder().encode('000004.jpg')), b64(new Uint8Array(0))] },
        empty: {},
      },
    },
    { raw: new Uint8Array(0) },
  ]);

  test('every record, with its index and byte offset, in chunks of any size', async () => {
    const python_ = JSON.parse(python(['read', path])) as { offset: number; length: number }[];
    const whole = await collect(readTfRecords(path));
    expect(whole.map((r) => [r.index, r.offset, r.data.length, r.file])).toEqual(
      python_.map((p, i) => [i, p.offset, p.length, path]),
    );
    for (const chunkBytes of [1, 7, 4096]) {
      const chunked = await collect(readTfRecords(path, { chunkBytes }));
      expect(
        chunked.map((r) => [r.offset, [...r.data]]),
        `chunks of ${chunkBytes}`,
      ).toEqual(whole.map((r) => [r.offset, [...r.data]]));
    }
    expect([...decodeTfRecords(readFileSync(path))].map((r) => r.offset)).toEqual(
      python_.map((p) => p.offset),
    );
  });

  test('image records decode to the pixels Python wrote (CHW → RGB; grey → R = G = B)', async () => {
    const records = await collect(readTfRecords(path));
    images.forEach(({ c, h, w }, i) => {
      const image = decodeImageRecord(records[i]);
      expect([image.width, image.height]).toEqual([w, h]);
      const chw = chwPixels(c, h, w, i);
      const plane = h * w;
      const want = Uint8Array.from({ length: plane * 3 }, (_, k) =>
        c === 3 ? chw[(k % 3) * plane + Math.floor(k / 3)] : chw[Math.floor(k / 3)],
      );
      expect(Buffer.from(image.data).equals(Buffer.from(want)), `image ${i}`).toBe(true);
    });
  });

  test('int64, float, bytes and empty features', async () => {
    const records = await collect(readTfRecords(path));
    const f = decodeExample(records[3].data);
    expect(f.label).toEqual({ kind: 'int64', values: [-3, 0, 2 ** 40, 2 ** 53 - 1] });
    expect(f.score.kind).toBe('float');
    expect(f.score.values).toEqual([0.5, -1.25, Math.fround(3.0e-7)]);
    expect(f.names.kind).toBe('bytes');
    expect(f.names.values.map((b) => new TextDecoder().decode(b as Uint8Array))).toEqual([
      '000004.jpg',
      '',
    ]);
    expect(f.empty).toEqual({ kind: 'none', values: [] });
    expect(decodeExample(records[4].data)).toEqual({});
  });

  test('int64 beyond 2^53 is refused, not rounded', () => {
    // Written as JSON text: a JavaScript number cannot hold 2^53 + 1 to send it.
    const big = join(tmp.dir, 'big.tfrecord');
    python(['write', big], '{"records": [{"features": {"n": {"int64": [9007199254740993]}}}]}');
    const [record] = [...decodeTfRecords(readFileSync(big))];
    expect(() => decodeExample(record.data)).toThrow(
      /int64 feature 'n' holds 9007199254740993, beyond .*2\^53/,
    );
  });
});

describe('TFRecords written here, read by Python', () => {
  test('createTfRecordWriter + encodeExample: Python checks both CRCs and reads the features', () => {
    const path = join(tmp.dir, 'ours.tfrecord');
    const image = createImage(
      3,
      2,
      Uint8Array.from({ length: 18 }, (_, i) => i * 13),
    );
    const writer = createTfRecordWriter(path);
    writer.write(encodeExample(imageToExample(image)));
    writer.write(
      encodeExample({
        id: { kind: 'int64', values: [-(2 ** 53 - 1), 7] },
        x: { kind: 'float', values: [1.5, -2] },
        s: { kind: 'bytes', values: [new Uint8Array([0, 255])] },
      }),
    );
    writer.write(new Uint8Array(300_000).fill(9));
    expect(writer.count).toBe(3);
    writer.close();
    const read = JSON.parse(python(['read', path])) as {
      offset: number;
      length: number;
      features: Record<string, PyFeature> | null;
    }[];
    expect(read.map((r) => r.offset)).toEqual([
      0,
      read[0].length + 16,
      read[1].offset + read[1].length + 16,
    ]);
    const chw = [0, 39, 78, 117, 156, 195, 13, 52, 91, 130, 169, 208, 26, 65, 104, 143, 182, 221];
    expect(read[0].features).toEqual({
      shape: { int64: [3, 2, 3] },
      data: { bytes: [b64(Uint8Array.from(chw))] },
    });
    expect(read[1].features).toEqual({
      id: { int64: [-(2 ** 53 - 1), 7] },
      x: { float: [1.5, -2] },
      s: { bytes: [b64(new Uint8Array([0, 255]))] },
    });
    expect(read[2].length).toBe(300_000);
  });

  test('the file appears only on close; abort leaves nothing', () => {
    const path = join(tmp.dir, 'atomic.tfrecord');
    const writer = createTfRecordWriter(path);
    writer.write(new Uint8Array([1]));
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    writer.abort();
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    expect(() => writer.write(new Uint8Array([1]))).toThrow(/already closed/);
    const again = createTfRecordWriter(path);
    again.write(new Uint8Array([1, 2]));
    again.close();
    expect([...decodeTfRecords(readFileSync(path))].map((r) => [...r.data])).toEqual([[1, 2]]);
  });
});

describe('corrupt and truncated files', () => {
  // Three records of 10, 20 and 30 bytes, written by Python: offsets 0, 26, 62; 108 bytes.
  const records = [10, 20, 30].map((n, i) => ({
    raw: Uint8Array.from({ length: n }, (_, k) => k + i),
  }));
  const good = readFileSync(pythonWrite('three.tfrecord', records));

  function variant(name: string, edit: (b: Buffer) => Buffer): string {
    const path = join(tmp.dir, name);
    writeFileSync(path, edit(Buffer.from(good)));
    return path;
  }

  test('the fixture is what the test thinks', async () => {
    expect(good.length).toBe(108);
    const all = await collect(readTfRecords(join(tmp.dir, 'three.tfrecord')));
    expect(all.map((r) => [r.index, r.offset])).toEqual([
      [0, 0],
      [1, 26],
      [2, 62],
    ]);
  });

  test('a flipped data byte: bad data CRC at record 1, offset 26; skippable', async () => {
    const path = variant('data.tfrecord', (b) => ((b[26 + 12 + 5] ^= 0x10), b));
    const e = await errorOf(() => collect(readTfRecords(path)));
    expect(e).toBeInstanceOf(TfRecordError);
    expect([e.problem, e.index, e.offset, e.file, e.recoverable]).toEqual([
      'bad-data-crc',
      1,
      26,
      path,
      true,
    ]);
    expect(e.message).toContain(`'${path}' record 1 (byte offset 26)`);
    expect(e.message).toMatch(/data CRC is wrong.*re-download.*--skip_bad_records/);
    // In one chunk too: the records before the bad one come out first, then the error.
    const seen: number[] = [];
    expect(() => {
      for (const r of decodeTfRecords(readFileSync(path), { file: path })) seen.push(r.index);
    }).toThrow(/record 1 \(byte offset 26\): the data CRC/);
    expect(seen).toEqual([0]);
    const bad: TfRecordError[] = [];
    const kept = await collect(
      readTfRecords(path, { skipBadRecords: true, onBadRecord: (x) => bad.push(x) }),
    );
    expect(kept.map((r) => [r.index, r.offset])).toEqual([
      [0, 0],
      [2, 62],
    ]);
    expect(bad.map((x) => [x.problem, x.index])).toEqual([['bad-data-crc', 1]]);
  });

  test('a flipped length byte: bad length CRC at record 2, offset 62; reading stops there', async () => {
    const path = variant('length.tfrecord', (b) => ((b[62] ^= 0x01), b));
    const e = await errorOf(() => collect(readTfRecords(path)));
    expect([e.problem, e.index, e.offset, e.recoverable]).toEqual(['bad-length-crc', 2, 62, false]);
    expect(e.message).toMatch(/record 2 \(byte offset 62\): the length field's CRC is wrong/);
    expect(e.message).toMatch(/corrupt from here on/);
    const bad: TfRecordError[] = [];
    const kept = await collect(
      readTfRecords(path, { skipBadRecords: true, onBadRecord: (x) => bad.push(x) }),
    );
    expect(kept.map((r) => r.index)).toEqual([0, 1]);
    expect(bad.map((x) => x.problem)).toEqual(['bad-length-crc']);
  });

  test('a damaged CRC field itself, and a length CRC flipped at record 0', () => {
    const crc = Buffer.from(good.subarray(0, 26));
    crc[25] ^= 0xff; // the data CRC's last byte
    expect(() => [...decodeTfRecords(crc)]).toThrow(/record 0 \(byte offset 0\): the data CRC/);
    const len = Buffer.from(good);
    len[9] ^= 0x80; // the length CRC
    expect(() => [...decodeTfRecords(len)]).toThrow(/record 0 \(byte offset 0\): the length/);
  });

  const cuts = [
    [107, 2, 62, /ends 45 byte\(s\) into a record of 46 bytes \(30 of data\)/],
    [62 + 12, 2, 62, /ends 12 byte\(s\) into a record of 46 bytes/],
    [62 + 5, 2, 62, /ends 5 byte\(s\) into the record's 12-byte header/],
    [30, 1, 26, /ends 4 byte\(s\) into the record's 12-byte header/],
  ] as const;
  for (const [at, index, offset, what] of cuts) {
    test(`cut at byte ${at}: truncated record ${index} at offset ${offset}`, async () => {
      const path = variant(`cut${at}.tfrecord`, (b) => b.subarray(0, at));
      const e = await errorOf(() => collect(readTfRecords(path)));
      expect([e.problem, e.index, e.offset, e.recoverable]).toEqual([
        'truncated',
        index,
        offset,
        false,
      ]);
      expect(e.message).toMatch(what);
      expect(e.message).toMatch(/cut short: re-download or re-copy it/);
      const bad: TfRecordError[] = [];
      const kept = await collect(
        readTfRecords(path, { skipBadRecords: true, onBadRecord: (x) => bad.push(x) }),
      );
      expect(kept.length).toBe(index);
      expect(bad.map((x) => x.problem)).toEqual(['truncated']);
    });
  }

  test('an empty file has no records; a missing file is named', async () => {
    expect(
      await collect(readTfRecords(variant('empty.tfrecord', (b) => b.subarray(0, 0)))),
    ).toEqual([]);
    const missing = join(tmp.dir, 'nope.tfrecord');
    await expect(collect(readTfRecords(missing))).rejects.toThrow(
      `TFRecord file '${missing}' not found`,
    );
    await expect(collect(readTfRecords(tmp.dir))).rejects.toThrow(/is not a file/);
  });

  test('an abort signal stops the stream', async () => {
    const controller = new AbortController();
    const path = join(tmp.dir, 'three.tfrecord');
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const r of readTfRecords(path, { signal: controller.signal, chunkBytes: 8 })) {
          seen.push(r.index);
          controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(seen).toEqual([0]);
  });
});

describe('image records with the wrong content', () => {
  const cases: [string, ExampleFeatures, RegExp][] = [
    [
      'no data',
      { shape: { kind: 'int64', values: [3, 1, 1] } },
      /no 'data' feature \(features: 'shape'\)/,
    ],
    ['no shape', {}, /no 'shape' feature \(features: none\)/],
    [
      'shape as floats',
      {
        shape: { kind: 'float', values: [3, 1, 1] },
        data: { kind: 'bytes', values: [new Uint8Array(3)] },
      },
      /'shape' is a float list, not int64/,
    ],
    [
      'HWC shape',
      {
        shape: { kind: 'int64', values: [4, 4, 3] },
        data: { kind: 'bytes', values: [new Uint8Array(48)] },
      },
      /'shape' is \[4, 4, 3\]; expected \[C, H, W\] with C 3/,
    ],
    [
      'two dimensions',
      {
        shape: { kind: 'int64', values: [4, 4] },
        data: { kind: 'bytes', values: [new Uint8Array(16)] },
      },
      /'shape' is \[4, 4\]/,
    ],
    [
      'short data',
      {
        shape: { kind: 'int64', values: [3, 4, 4] },
        data: { kind: 'bytes', values: [new Uint8Array(47)] },
      },
      /'data' has 47 bytes, but 'shape' \[3, 4, 4\] needs 48/,
    ],
  ];
  for (const [name, features, message] of cases) {
    test(name, () => {
      expect(() => exampleToImage(features)).toThrow(message);
      const record = { data: encodeExample(features), index: 5, offset: 1234, file: 'f.tfrecords' };
      const e = (() => {
        try {
          decodeImageRecord(record);
        } catch (x) {
          return x as TfRecordError;
        }
        throw new Error('no error');
      })();
      expect([e.problem, e.index, e.offset, e.recoverable]).toEqual(['bad-content', 5, 1234, true]);
      expect(e.message).toMatch(/^TFRecord 'f\.tfrecords' record 5 \(byte offset 1234\): /);
      expect(e.message).toMatch(message);
    });
  }

  test('bytes that are not an Example', () => {
    const record = { data: new Uint8Array([0xff, 0xff, 0xff]), index: 0, offset: 0 };
    expect(() => decodeImageRecord(record)).toThrow(
      /record 0 \(byte offset 0\): not a tf\.train\.Example/,
    );
  });
});

test('the parser, byte by byte, gives what one push gives', () => {
  const file = new Uint8Array([
    ...encodeTfRecord(new Uint8Array([1, 2, 3])),
    ...encodeTfRecord(new Uint8Array(0)),
    ...encodeTfRecord(new Uint8Array(1000).fill(5)),
  ]);
  const parser = createTfRecordParser();
  const got: TfRecord[] = [];
  for (let i = 0; i < file.length; i++) got.push(...parser.push(file.subarray(i, i + 1)));
  parser.end();
  expect(parser.count).toBe(3);
  expect(parser.offset).toBe(file.length);
  expect(got.map((r) => [r.index, r.offset, r.data.length])).toEqual([
    [0, 0, 3],
    [1, 19, 0],
    [2, 35, 1000],
  ]);
});
