/**
 * export-tfrecord: names and splits as the reference's export_tfrecord_to_img.py gives them
 * (CelebA-HQ's mapping computed by the reference's own lines run with NumPy; FFHQ's boundaries
 * as a pure function), pixels as Pillow's resize of the same records, on TFRecords written by an
 * independent implementation (`packages/data/test/fixtures/tfrecord_tool.py`); resume, corrupt
 * records, --skip_bad_records, missing inputs and Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  createImage,
  decodePng,
  estimateJpegQuality,
  readJpegHeader,
  readPngHeader,
} from '@patchfx/data';
import {
  encodeExample,
  imageToExample,
  celebahqTargets,
  ffhqTarget,
  parseCelebaHqImageList,
  parseCelebaPartitionList,
} from '@patchfx/data/tfrecord';
import { createTfRecordWriter } from '@patchfx/data/node';
import { makeTempDir } from '@patchfx/test-utils';
import { ROOT, runProgram } from './helpers.js';

/** Debian's python3 with numpy, PIL, google.protobuf and crcmod (not a pyenv python). */
const PYTHON = '/usr/bin/python3';
const TOOL = join(ROOT, 'packages/data/test/fixtures/tfrecord_tool.py');

const tmp = makeTempDir('patchfx-export-tfrecord-');
afterAll(() => tmp.remove());

function python(args: readonly string[], input?: string): string {
  const r = spawnSync(PYTHON, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/** A TFRecord of `count` dataset-tool image records of 3×h×w, written by Python. */
function pythonTfRecord(name: string, count: number, h: number, w: number): string {
  const path = join(tmp.dir, name);
  const records = Array.from({ length: count }, (_, k) => {
    const chw = Uint8Array.from(
      { length: 3 * h * w },
      (_, i) => (Math.floor(i / w) * 9 + (i % w) * 5 + k * 40 + ((i * 7) % 13) * 3) & 255,
    );
    return {
      features: {
        shape: { int64: [3, h, w] },
        data: { bytes: [Buffer.from(chw).toString('base64')] },
      },
    };
  });
  python([TOOL, 'write', path], JSON.stringify({ records }));
  return path;
}

/** The files under `dir`, as `split/name` sorted. */
function listOutputs(dir: string): string[] {
  return ['train', 'val', 'test']
    .flatMap((s) =>
      existsSync(join(dir, s)) ? readdirSync(join(dir, s)).map((f) => `${s}/${f}`) : [],
    )
    .sort();
}

// A CelebA-HQ-like image list (30000 rows, as the real one) and a partition file with CelebA's
// split boundaries (train ≤ 162770 < val ≤ 182637 < test).
const imageList = join(tmp.dir, 'celebahq_image_list.txt');
const partitionList = join(tmp.dir, 'list_eval_partition.txt');
{
  const rows = ['idx orig_idx orig_file proc_md5 final_md5'];
  const parts: string[] = [];
  for (let i = 0; i < 30000; i++) {
    const n = 1 + ((i * 6761) % 202599);
    const file = `${String(n).padStart(6, '0')}.jpg`;
    rows.push(`${i} ${n - 1} ${file} ${'a'.repeat(32)} ${'b'.repeat(32)}`);
    parts.push(`${file} ${n <= 162770 ? 0 : n <= 182637 ? 1 : 2}`);
  }
  writeFileSync(imageList, `${rows.join('\n')}\n`);
  writeFileSync(partitionList, `${parts.join('\n')}\n`);
}

/** The reference's own lines (export_tfrecord_to_img.py, celebahq): [split, number] of record i. */
const REFERENCE_CELEBAHQ = `
import json, sys
import numpy as np
image_list_file, partition_list, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(image_list_file, 'rt') as file:
    lines = [line.split() for line in file]
    fields = dict()
    for idx, field in enumerate(lines[0]):
        type = int if field.endswith('idx') else str
        fields[field] = [type(line[idx]) for line in lines[1:]]
partition_keys = {'0': 'train', '1': 'val', '2': 'test'}
with open(partition_list) as f:
    celeba_partitions = {}
    for line in f:
        img, split = line.strip().split()
        celeba_partitions[img.split('.')[0]] = partition_keys[split]
indices = np.array(fields['idx'])
order = np.arange(len(indices))
np.random.RandomState(123).shuffle(order)
out = []
for o in order[:n]:
    orig_number = fields['orig_file'][o].split('.')[0]
    out.append([celeba_partitions[str(orig_number)], orig_number])
print(json.dumps(out))
`;

function referenceCelebahq(n: number): [string, string][] {
  return JSON.parse(python(['-c', REFERENCE_CELEBAHQ, imageList, partitionList, String(n)])) as [
    string,
    string,
  ][];
}

describe('names and splits', () => {
  test('FFHQ: index < 60000 train, < 65000 val, else test; %09d', () => {
    const cases = [
      [0, 'train', '000000000'],
      [59999, 'train', '000059999'],
      [60000, 'val', '000060000'],
      [64999, 'val', '000064999'],
      [65000, 'test', '000065000'],
      [69999, 'test', '000069999'],
    ] as const;
    for (const [i, split, name] of cases) expect(ffhqTarget(i), String(i)).toEqual({ split, name });
  });

  test("CelebA-HQ: every record's number and split as the reference's lines compute them", () => {
    const numbers = parseCelebaHqImageList(readFileSync(imageList, 'utf8'), imageList);
    const partitions = parseCelebaPartitionList(readFileSync(partitionList, 'utf8'), partitionList);
    const target = celebahqTargets(numbers, partitions, { imageList, partitionList });
    const want = referenceCelebahq(30000);
    const got = Array.from({ length: 30000 }, (_, i) => {
      const t = target(i);
      return [t.split, t.name];
    });
    expect(got).toEqual(want);
    expect(new Set(want.map(([s]) => s))).toEqual(new Set(['train', 'val', 'test']));
    expect(() => target(30000)).toThrow(/more records than .* has rows \(30000\)/);
  });

  test('bad lists are named with the line', () => {
    expect(() => parseCelebaHqImageList('idx orig_idx\n0 1\n', 'l.txt')).toThrow(
      /'l\.txt' has no 'orig_file' column/,
    );
    expect(() => parseCelebaPartitionList('000001.jpg 0\n000002.jpg 7\n', 'p.txt')).toThrow(
      /'p\.txt' line 2 is '000002\.jpg 7'; expected '<image> <0\|1\|2>'/,
    );
    const target = celebahqTargets(['000009'], new Map(), { imageList: 'l', partitionList: 'p' });
    expect(() => target(0)).toThrow(/CelebA image 000009 \(record 0\) is not in 'p'/);
  });
});

describe('export-tfrecord program', () => {
  test('CelebA-HQ: files, splits and summary; pixels as Pillow resizes them; resume', async () => {
    const tfrecord = pythonTfRecord('celebahq.tfrecords', 6, 24, 20);
    const out = join(tmp.dir, 'celebahq');
    const args = [
      '--dataset',
      'celebahq',
      '--tfrecord',
      tfrecord,
      '--outdir',
      out,
      '--outsize',
      '12',
      '--image_list',
      imageList,
      '--partition_list',
      partitionList,
    ];
    const r = await runProgram('export-tfrecord', args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const want = referenceCelebahq(6);
    expect(listOutputs(out)).toEqual(want.map(([s, n]) => `${s}/${n}.png`).sort());
    for (const split of ['train', 'val', 'test']) {
      const n = want.filter(([s]) => s === split).length;
      expect(r.stdout).toMatch(new RegExp(`^${split} +${n} +0$`, 'm'));
    }
    expect(r.stdout).toMatch(
      /^6 record\(s\) read in [\d.]+ s: 6 image\(s\) written, 0 already there, 0 bad/m,
    );
    expect(r.stdout).toMatch(/note: the image list has 30000 rows, the TFRecord 6 records/);

    // Pixels: Pillow's Lanczos resize of the same records (the reference's decode and resize).
    const pil = join(tmp.dir, 'celebahq-pil');
    python([TOOL, 'export', tfrecord, pil, '12', 'lanczos']);
    want.forEach(([split, name], i) => {
      const ours = decodePng(new Uint8Array(readFileSync(join(out, split, `${name}.png`))));
      const theirs = decodePng(new Uint8Array(readFileSync(join(pil, `${i}.png`))));
      expect([ours.width, ours.height]).toEqual([12, 12]);
      expect(Buffer.from(ours.data).equals(Buffer.from(theirs.data)), `record ${i}`).toBe(true);
    });

    // Resume: nothing rewritten; a missing file and one of the wrong size are written again.
    const first = join(out, want[0][0], `${want[0][1]}.png`);
    const second = join(out, want[1][0], `${want[1][1]}.png`);
    const third = join(out, want[2][0], `${want[2][1]}.png`);
    const before = statSync(third).mtimeMs;
    rmSync(first);
    writeFileSync(second, readFileSync(join(pil, '0.png')).subarray(0, 0)); // empty: unreadable
    const again = await runProgram('export-tfrecord', args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /6 record\(s\) read in [\d.]+ s: 2 image\(s\) written, 4 already there/,
    );
    expect(statSync(third).mtimeMs).toBe(before);
    expect(readPngHeader(new Uint8Array(readFileSync(second))).width).toBe(12);
    expect(listOutputs(out).length).toBe(6);
    // Another size: every file is rewritten.
    const bilinear = await runProgram('export-tfrecord', [
      ...args,
      '--outsize',
      '8',
      '--resize_method',
      'bilinear',
    ]);
    expect(bilinear.stdout).toMatch(/6 image\(s\) written, 0 already there/);
    const pilBilinear = join(tmp.dir, 'celebahq-pil-bilinear');
    python([TOOL, 'export', tfrecord, pilBilinear, '8', 'bilinear']);
    const ours = decodePng(new Uint8Array(readFileSync(first)));
    const theirs = decodePng(new Uint8Array(readFileSync(join(pilBilinear, '0.png'))));
    expect(Buffer.from(ours.data).equals(Buffer.from(theirs.data))).toBe(true);
  });

  test('FFHQ: record index names, train split; no --outsize keeps the size; jpg', async () => {
    const tfrecord = pythonTfRecord('ffhq.tfrecords', 3, 10, 10);
    const out = join(tmp.dir, 'ffhq');
    const r = await runProgram('export-tfrecord', [
      '--dataset',
      'ffhq',
      '--tfrecord',
      tfrecord,
      '--outdir',
      out,
      '--format',
      'jpg',
    ]);
    expect(r.code).toBe(0);
    expect(listOutputs(out)).toEqual([
      'train/000000000.jpg',
      'train/000000001.jpg',
      'train/000000002.jpg',
    ]);
    const header = readJpegHeader(new Uint8Array(readFileSync(join(out, 'train/000000002.jpg'))));
    expect([header.width, header.height]).toEqual([10, 10]);
    expect(estimateJpegQuality(header)?.quality).toBe(75);
  });

  test('a corrupt record stops with its index and offset; --skip_bad_records warns, counts, goes on', async () => {
    const good = readFileSync(pythonTfRecord('ffhq5.tfrecords', 5, 6, 6));
    const framed = good.length / 5; // equal records
    const bad = Buffer.from(good);
    bad[2 * framed + 12 + 40] ^= 0xff; // a pixel of record 2
    const tfrecord = join(tmp.dir, 'ffhq-bad.tfrecords');
    writeFileSync(tfrecord, bad);
    const out = join(tmp.dir, 'ffhq-bad');
    const base = ['--dataset', 'ffhq', '--tfrecord', tfrecord, '--outdir', out];
    const r = await runProgram('export-tfrecord', base);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: TFRecord '${tfrecord}' record 2 (byte offset ${2 * framed}): the data CRC is wrong`,
    );
    expect(r.stderr).toMatch(/--skip_bad_records/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(listOutputs(out)).toEqual(['train/000000000.png', 'train/000000001.png']);
    const s = await runProgram('export-tfrecord', [...base, '--skip_bad_records']);
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(
      /^warning: skipped: TFRecord .* record 2 \(byte offset \d+\): the data CRC/m,
    );
    expect(s.stdout).toMatch(
      /5 record\(s\) read in [\d.]+ s: 2 image\(s\) written, 2 already there, 1 bad record\(s\) skipped/,
    );
    expect(listOutputs(out)).toEqual([
      'train/000000000.png',
      'train/000000001.png',
      'train/000000003.png',
      'train/000000004.png',
    ]);
  });

  test('missing inputs and bad flags: one clear line, exit 1', async () => {
    const tfrecord = pythonTfRecord('one.tfrecords', 1, 4, 4);
    const out = join(tmp.dir, 'missing');
    const cases: [string[], RegExp][] = [
      [
        ['--dataset', 'ffhq', '--tfrecord', join(tmp.dir, 'nope'), '--outdir', out],
        /--tfrecord '.*nope' not found/,
      ],
      [
        [
          '--dataset',
          'celebahq',
          '--tfrecord',
          tfrecord,
          '--outdir',
          out,
          '--partition_list',
          partitionList,
        ],
        /--image_list 'resources\/celebahq_image_list\.txt' not found \(the default is relative to the folder you run from\); download it from .*latent-composition/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([args]) => runProgram('export-tfrecord', args, { cwd: tmp.dir })),
    );
    cases.forEach(([args, message], i) => {
      expect(runs[i].code, args.join(' ')).toBe(1);
      expect(runs[i].stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(runs[i].stderr).toMatch(message);
    });
    // Not images: the record and what is missing are named.
    const other = join(tmp.dir, 'other.tfrecords');
    const w = createTfRecordWriter(other);
    w.write(encodeExample({ label: { kind: 'int64', values: [1] } }));
    w.close();
    const r = await runProgram('export-tfrecord', [
      '--dataset',
      'ffhq',
      '--tfrecord',
      other,
      '--outdir',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /record 0 \(byte offset 0\): no 'shape' feature \(features: 'label'\)/,
    );
  });

  test('Ctrl-C stops cleanly (exit 130, no partial files); the same command resumes', async () => {
    const tfrecord = join(tmp.dir, 'many.tfrecords');
    const writer = createTfRecordWriter(tfrecord);
    for (let k = 0; k < 150; k++) {
      const data = Uint8Array.from({ length: 160 * 160 * 3 }, (_, i) => (i * 3 + k * 17) & 255);
      writer.write(encodeExample(imageToExample(createImage(160, 160, data))));
    }
    writer.close();
    const out = join(tmp.dir, 'many');
    const args = ['--dataset', 'ffhq', '--tfrecord', tfrecord, '--outdir', out, '--outsize', '16'];
    const r = await runProgram('export-tfrecord', args, {
      killWhen: (stdout) => stdout.includes('exporting'),
      killSignal: 'SIGINT',
    });
    expect(r.code).toBe(130);
    const n = Number(
      /interrupted after (\d+) record\(s\); run the same command again/.exec(r.stdout)?.[1],
    );
    expect(n).toBeLessThan(150);
    const files = readdirSync(join(out, 'train'));
    expect(files.every((f) => /^\d{9}\.png$/.test(f))).toBe(true);
    expect(files).toHaveLength(n);
    const again = await runProgram('export-tfrecord', args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${150 - n} image(s) written, ${n} already there`);
  });
});
