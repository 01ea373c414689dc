/**
 * Which file each TFRecord image becomes, as the reference's `export_tfrecord_to_img.py` names
 * and splits them (spec §8): FFHQ by record index, CelebA-HQ through the PGAN dataset tool's
 * shuffle back to CelebA's file numbers and CelebA's official partition.
 */
import { numpyRandomState } from '../numpy-random.js';

/** The splits the export writes, in the order summaries list them. */
export const DATASET_SPLITS = Object.freeze(['train', 'val', 'test'] as const);
/** One of {@link DATASET_SPLITS}. */
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

/** Where one record goes: its split folder and its file name without the extension. */
export interface ExportTarget {
  readonly split: DatasetSplit;
  readonly name: string;
}

/** FFHQ's split boundaries in the reference: index < 60000 train, < 65000 val, else test. */
export const FFHQ_BOUNDARIES = Object.freeze({ train: 60000, val: 65000 });

/** FFHQ: record `index` → `train/`, `val/` or `test/` by index; name `%09d`. */
export function ffhqTarget(index: number): ExportTarget {
  const split: DatasetSplit =
    index < FFHQ_BOUNDARIES.train ? 'train' : index < FFHQ_BOUNDARIES.val ? 'val' : 'test';
  return { split, name: String(index).padStart(9, '0') };
}

/** The seed of the PGAN dataset tool's shuffle (`TFRecordExporter.choose_shuffled_order`). */
export const CELEBAHQ_SHUFFLE_SEED = 123;

/**
 * Reads PGAN's `celebahq_image_list.txt`: a header line of column names (`idx orig_idx
 * orig_file proc_md5 final_md5`), then one row per CelebA-HQ image.
 *
 * @returns The CelebA number of each row, in row order: `orig_file` up to its first dot
 *   (`000004.jpg` → `000004`).
 * @throws When there is no `orig_file` column or a row is short, naming the file and line.
 */
export function parseCelebaHqImageList(text: string, file: string): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').trim().split(/\s+/);
  const column = header.indexOf('orig_file');
  if (column < 0) {
    throw new Error(
      `'${file}' has no 'orig_file' column (header: '${lines[0] ?? ''}'); expected PGAN's CelebA-HQ image list, whose header is 'idx orig_idx orig_file proc_md5 final_md5'`,
    );
  }
  return lines.slice(1).map((line, i) => {
    const cells = line.trim().split(/\s+/);
    if (cells.length <= column) {
      throw new Error(`'${file}' line ${i + 2} has ${cells.length} column(s), no orig_file`);
    }
    return cells[column].split('.')[0];
  });
}

/**
 * Reads CelebA's `list_eval_partition.txt`: `<file> <0|1|2>` per line (0 train, 1 val, 2 test).
 *
 * @returns The split of each CelebA number (the file name up to its first dot).
 * @throws On a line that is not `<file> <0|1|2>`, naming the file and line.
 */
export function parseCelebaPartitionList(text: string, file: string): Map<string, DatasetSplit> {
  const keys: Record<string, DatasetSplit> = { '0': 'train', '1': 'val', '2': 'test' };
  const out = new Map<string, DatasetSplit>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = line.trim().split(/\s+/);
    const split = keys[cells[1]];
    if (cells.length !== 2 || !split) {
      throw new Error(
        `'${file}' line ${i + 1} is '${line.trim()}'; expected '<image> <0|1|2>' (CelebA's list_eval_partition.txt)`,
      );
    }
    out.set(cells[0].split('.')[0], split);
  });
  return out;
}

/**
 * CelebA-HQ: record `i` of the r10 TFRecord is row `order[i]` of the image list, where `order`
 * is `numpy.random.RandomState(123).shuffle(arange(rows))`, the order PGAN's dataset tool wrote
 * the records in; its split is CelebA's official one.
 *
 * @param numbers - The image list's CelebA numbers ({@link parseCelebaHqImageList}).
 * @param partitions - CelebA's splits ({@link parseCelebaPartitionList}).
 * @param files - The two files' names, for messages.
 * @returns The mapping from record index to target.
 */
export function celebahqTargets(
  numbers: readonly string[],
  partitions: ReadonlyMap<string, DatasetSplit>,
  files: { readonly imageList: string; readonly partitionList: string },
): (index: number) => ExportTarget {
  const order = numpyRandomState(CELEBAHQ_SHUFFLE_SEED).permutation(numbers.length);
  return (index) => {
    if (index >= numbers.length) {
      throw new Error(
        `the TFRecord has more records than '${files.imageList}' has rows (${numbers.length}); is it the CelebA-HQ TFRecord of that list?`,
      );
    }
    const name = numbers[order[index]];
    const split = partitions.get(name);
    if (!split) {
      throw new Error(
        `CelebA image ${name} (record ${index}) is not in '${files.partitionList}'; is it CelebA's list_eval_partition.txt?`,
      );
    }
    return { split, name };
  };
}
