/**
 * export-tfrecord: `npm run export-tfrecord -- --dataset celebahq|ffhq --tfrecord <file>
 * --outdir <dir> [--outsize 128] [--format png|jpg] [--resize_method lanczos|bilinear]` — the
 * reference's `export_tfrecord_to_img.py` (spec §8): the real images of CelebA-HQ and FFHQ
 * taken from the very TFRecords the generators were trained on (PGAN dataset-tool records:
 * `shape` [C, H, W], `data` uint8 CHW), resized with the Pillow-exact filters and written to
 * `<outdir>/{train,val,test}/` under the reference's names. Streams the file (a 30 GB r10 file
 * never sits in memory), resumes (images already written at the right size are skipped), writes
 * each image atomically, and stops at a corrupt record with its index and byte offset unless
 * `--skip_bad_records`.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createImage, encodeJpeg, readJpegHeader, readPngHeader, resizeImage } from '@patchfx/data';
import {
  decodeExample,
  encodeExample,
  decodeImageRecord,
  imageToExample,
  TfRecordError,
  type TfRecord,
  celebahqTargets,
  ffhqTarget,
  parseCelebaHqImageList,
  parseCelebaPartitionList,
  DATASET_SPLITS,
  type ExportTarget,
  type DatasetSplit,
} from '@patchfx/data/tfrecord';
import {
  createTfRecordWriter,
  initNodeCodecs,
  readTfRecords,
  writeFileAtomic,
} from '@patchfx/data/node';
import { encodePng } from '@patchfx/viz/node';
import {
  BACKEND_OPTION,
  onInterrupt,
  parseOptions,
  progressBar,
  runMain,
  say,
  SMOKE_OPTION,
  withSmoke,
} from '@patchfx/example-common';

const IMAGE_LIST_DEFAULT = 'resources/celebahq_image_list.txt';
const PARTITION_LIST_DEFAULT = 'resources/celeba_list_eval_partition.txt';

/** Where to get the two CelebA-HQ lists (the reference's resources/download_resources_data.sh). */
const LIST_SOURCES = {
  image_list:
    "PGAN's CelebA-HQ deltas (image_list.txt, https://github.com/tkarras/progressive_growing_of_gans), or the reference's copy: http://latent-composition.csail.mit.edu/other_projects/patch_forensics/resources/celebahq_image_list.txt",
  partition_list:
    "CelebA's Eval/list_eval_partition.txt (https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html), or the reference's copy: http://latent-composition.csail.mit.edu/other_projects/patch_forensics/resources/celeba_list_eval_partition.txt",
} as const;

function readList(path: string, option: keyof typeof LIST_SOURCES): string {
  if (!existsSync(path)) {
    throw new Error(
      `--${option} '${path}' not found (the default is relative to the folder you run from); download it from ${LIST_SOURCES[option]} and pass its path with --${option}`,
    );
  }
  return readFileSync(path, 'utf8');
}

/** Whether `path` already holds an image of `width`×`height` in `format` (header only). */
function alreadyWritten(path: string, format: string, width: number, height: number): boolean {
  if (!existsSync(path)) return false;
  try {
    const bytes = new Uint8Array(readFileSync(path));
    const h = format === 'png' ? readPngHeader(bytes, path) : readJpegHeader(bytes, path);
    return h.width === width && h.height === height;
  } catch {
    return false; // unreadable: write it again
  }
}

/** The size of a dataset-tool record from its `shape` ([C, H, W]), or null if it has none. */
function recordSize(record: TfRecord): { width: number; height: number } | null {
  try {
    const shape = decodeExample(record.data).shape;
    if (shape?.kind !== 'int64' || shape.values.length !== 3) return null;
    return { width: shape.values[2], height: shape.values[1] };
  } catch {
    return null; // decodeImageRecord says what is wrong
  }
}

async function main(argv: readonly string[]): Promise<number | void> {
  const { values } = parseOptions(
    {
      dataset: {
        type: 'string',
        default: null,
        choices: ['celebahq', 'ffhq'],
        help: 'which TFRecord: names and splits as the reference gives them (required)',
      },
      tfrecord: {
        type: 'string',
        default: null,
        help: 'the TFRecord file, e.g. celebahq-r10.tfrecords (required)',
      },
      outdir: {
        type: 'string',
        default: null,
        help: 'output folder: <outdir>/{train,val,test}/ (required)',
      },
      outsize: {
        type: 'number',
        default: null,
        help: "resize to this square size (the paper: 128); none keeps the record's size",
      },
      format: {
        type: 'string',
        default: 'png',
        choices: ['png', 'jpg'],
        help: 'image format and extension (jpg: quality 75, as PIL saves by default)',
      },
      resize_method: {
        type: 'string',
        default: 'lanczos',
        choices: ['lanczos', 'bilinear'],
        help: 'resampling filter (Pillow-exact)',
      },
      image_list: {
        type: 'string',
        default: IMAGE_LIST_DEFAULT,
        help: "celebahq: PGAN's CelebA-HQ image list, relative to the folder you run from",
      },
      partition_list: {
        type: 'string',
        default: PARTITION_LIST_DEFAULT,
        help: "celebahq: CelebA's list_eval_partition.txt, relative to the folder you run from",
      },
      skip_bad_records: {
        type: 'boolean',
        default: false,
        help: 'warn about a corrupt record, count it and go on (a cut file or a bad length still ends the file)',
      },
      backend: BACKEND_OPTION,
      smoke: SMOKE_OPTION,
    },
    argv,
    'export-tfrecord',
    '--dataset celebahq|ffhq --tfrecord <file> --outdir <dir> [--outsize 128] [--format png] [--resize_method lanczos]',
  );
  for (const key of ['dataset', 'tfrecord', 'outdir'] as const) {
    if (values[key] == null) {
      throw new Error(
        `--${key} is required: npm run export-tfrecord -- --dataset celebahq|ffhq --tfrecord <file> --outdir <dir> [--outsize 128]`,
      );
    }
  }
  const dataset = String(values.dataset);
  const tfrecord = String(values.tfrecord);
  const outdir = resolve(String(values.outdir));
  const format = String(values.format);
  const filter = values.resize_method === 'bilinear' ? 'bilinear' : 'lanczos';
  const outsize = values.outsize == null ? null : Number(values.outsize);
  if (outsize !== null && (!Number.isInteger(outsize) || outsize < 1)) {
    throw new Error(`--outsize must be a positive integer, got ${values.outsize}`);
  }
  const skipBad = Boolean(values.skip_bad_records);
  if (!existsSync(tfrecord)) throw new Error(`--tfrecord '${tfrecord}' not found`);

  let target: (index: number) => ExportTarget = ffhqTarget;
  let listRows = 0;
  if (dataset === 'celebahq') {
    const imageList = String(values.image_list);
    const partitionList = String(values.partition_list);
    const numbers = parseCelebaHqImageList(readList(imageList, 'image_list'), imageList);
    const partitions = parseCelebaPartitionList(
      readList(partitionList, 'partition_list'),
      partitionList,
    );
    listRows = numbers.length;
    target = celebahqTargets(numbers, partitions, { imageList, partitionList });
  }
  for (const split of DATASET_SPLITS) mkdirSync(join(outdir, split), { recursive: true });
  if (format === 'jpg') await initNodeCodecs();

  const counts = Object.fromEntries(
    DATASET_SPLITS.map((s) => [s, { written: 0, kept: 0 }]),
  ) as Record<DatasetSplit, { written: number; kept: number }>;
  const bad: TfRecordError[] = [];
  let records = 0; // records read, bad ones included
  const warnBad = (e: TfRecordError) => {
    bad.push(e);
    records = Math.max(records, e.index + 1);
    process.stderr.write(`warning: skipped: ${e.message}\n`);
  };
  const interrupt = onInterrupt(
    () => 'interrupted: stopping after this image; run the same command again to resume',
  );
  const bar = progressBar(undefined, '{label} [{bar}] {value}/{total} | {ips} img/s');
  const fileBytes = statSync(tfrecord).size;
  const started = performance.now();
  let interrupted = false;
  let barStarted = false;
  say(
    `exporting ${dataset} from ${tfrecord} to ${outdir} (${outsize ? `${outsize}×${outsize}, ${filter}` : "the records' size"}, ${format})`,
  );
  try {
    for await (const record of readTfRecords(tfrecord, {
      skipBadRecords: skipBad,
      onBadRecord: warnBad,
      signal: interrupt.signal,
    })) {
      // Fixed-size records: the file's size over the first one's gives the count.
      if (!barStarted) bar.start(Math.round(fileBytes / (record.data.length + 16)), 'export');
      barStarted = true;
      records = record.index + 1; // bad records count too
      const to = target(record.index);
      try {
        await exportRecord(record, to);
      } catch (e) {
        if (!(e instanceof TfRecordError) || !skipBad) throw e;
        warnBad(e);
      }
      const seconds = (performance.now() - started) / 1000;
      bar.update(records, { ips: (records / seconds).toFixed(1) });
      if (interrupt.signal.aborted) break;
    }
  } catch (e) {
    if (!interrupt.signal.aborted) throw e;
  } finally {
    bar.stop();
    interrupt.dispose();
  }
  interrupted = interrupt.signal.aborted;

  /** Decodes, resizes and writes one record, unless its file is there already. */
  async function exportRecord(record: TfRecord, to: ExportTarget): Promise<void> {
    const path = join(outdir, to.split, `${to.name}.${format}`);
    // Resume: the expected size from the record's shape (cheap: no pixels touched).
    const size = outsize ? { width: outsize, height: outsize } : recordSize(record);
    if (size && alreadyWritten(path, format, size.width, size.height)) {
      counts[to.split].kept++;
      return;
    }
    const image = decodeImageRecord(record);
    const out =
      outsize && (image.width !== outsize || image.height !== outsize)
        ? resizeImage(image, outsize, outsize, filter)
        : image;
    // jpg: PIL's defaults when saving without options (quality 75, 4:2:0), as the reference.
    const bytes = format === 'png' ? encodePng({ ...out, channels: 3 }) : await encodeJpeg(out, 75);
    writeFileAtomic(path, bytes);
    counts[to.split].written++;
  }

  const seconds = (performance.now() - started) / 1000;
  say(`split   written  already there`);
  for (const s of DATASET_SPLITS) {
    say(
      `${s.padEnd(6)}  ${String(counts[s].written).padStart(7)}  ${String(counts[s].kept).padStart(13)}`,
    );
  }
  const written = DATASET_SPLITS.reduce((n, s) => n + counts[s].written, 0);
  const kept = DATASET_SPLITS.reduce((n, s) => n + counts[s].kept, 0);
  say(
    `${records} record(s) read in ${seconds.toFixed(1)} s: ${written} image(s) written, ${kept} already there, ${bad.length} bad record(s) skipped`,
  );
  if (listRows && records !== listRows && !interrupted && bad.length === 0) {
    say(`note: the image list has ${listRows} rows, the TFRecord ${records} records`);
  }
  if (interrupted) {
    say(`interrupted after ${records} record(s); run the same command again to resume`);
    return interrupt.exitCode;
  }
}

runMain(
  withSmoke('export-tfrecord', main, {
    needs: 'folder',
    args: (ws) => {
      // A small FFHQ-style TFRecord: 5 synthetic 40×32 images written as the dataset tool does.
      const path = join(ws.root, 'smoke-r5.tfrecords');
      const writer = createTfRecordWriter(path);
      for (let k = 0; k < 5; k++) {
        const data = Uint8Array.from(
          { length: 40 * 32 * 3 },
          (_, i) => (i * (k + 3) + k * 50) & 255,
        );
        writer.write(encodeExample(imageToExample(createImage(40, 32, data))));
      }
      writer.close();
      return [
        '--dataset',
        'ffhq',
        '--tfrecord',
        path,
        '--outdir',
        join(ws.root, 'out'),
        '--outsize',
        '16',
      ];
    },
  }),
);
