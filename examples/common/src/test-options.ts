import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ModelConfig } from '@patchfx/models';
import { say } from './log.js';
import { parseOptions, readYamlOptions, type Options, type OptionSpecs } from './options.js';
import { TEST_OPTIONS, TRAIN_OPTIONS, resolveModelOptions } from './reference-options.js';

/** Keys a test run never takes from the train config (spec §4.1; which_epoch: patchfx defaults it to bestval). */
const NOT_INHERITED = new Set([
  'real_im_path',
  'fake_im_path',
  'gpu_ids',
  'which_epoch',
  'isTrain',
  'load_model',
  'backend',
]);

/** The options of a test run, and its model resolved once from `--which_model_netD`. */
export interface TestOptions {
  readonly options: Options;
  readonly model: ModelConfig;
}

/**
 * Test options merged with the training run's `opt.yml` as the reference does: every key of the
 * train config overrides the test option of the same name unless given on the command line.
 */
export function resolveTestOptions(
  argv: readonly string[],
  extra: OptionSpecs = {},
  program = 'evaluate',
  usage = '--train_config opt.yml --dataset_name N --real_im_path DIR --fake_im_path DIR [options]',
): TestOptions {
  const specs = { ...TEST_OPTIONS, ...extra };
  const parsed = parseOptions(specs, argv, program, usage);
  const values: Options = { ...parsed.values };
  if (parsed.positionals.length) {
    throw new Error(
      `${program}: unexpected argument '${parsed.positionals[0]}' (options are --name value; the train config goes in --train_config)`,
    );
  }
  if (values.train_config) {
    const train = readYamlOptions(String(values.train_config), {
      ...TRAIN_OPTIONS,
      ...TEST_OPTIONS,
    });
    for (const [k, v] of Object.entries(train)) {
      if (!(k in specs) || NOT_INHERITED.has(k) || parsed.explicit.has(k) || v === null) continue;
      values[k] = v;
    }
  }
  values.isTrain = false;
  values.load_model = true;
  const { values: options, model } = resolveModelOptions(values);
  return { options, model };
}

/** Partition folder names (the reference's layout: `<class>/{train,val,test}`). */
const PARTITIONS = ['train', 'val', 'test'] as const;

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * The partition of an evaluation: the results sub-folder `results/<name>/<partition>/…`.
 *
 * - `--partition P` given: as the reference, P must appear in both folder paths.
 * - Not given, or `all`: a folder that holds partition folders (`real/{train,val,test}`) is an
 *   error that names the folder to give instead (evaluating it would mix the partitions).
 *   Otherwise the folders themselves are the test set, and the partition is their name when
 *   both are called train, val or test (not given), else `all`.
 *
 * @param realDir - `--real_im_path` (trailing slashes are ignored).
 * @param fakeDir - `--fake_im_path`.
 * @param partition - `--partition`, or null when not given.
 * @returns The partition name.
 * @throws Error naming the folder and the fix.
 */
export function resolvePartition(
  realDir: string,
  fakeDir: string,
  partition: string | null,
): string {
  const dirs = [
    ['real_im_path', realDir.replace(/\/+$/, '')],
    ['fake_im_path', fakeDir.replace(/\/+$/, '')],
  ] as const;
  if (partition && partition !== 'all') {
    for (const [flag, dir] of dirs) {
      if (!dir.includes(partition)) {
        throw new Error(
          `--${flag} '${dir}' does not contain the partition name '${partition}': point it at the partition folder ` +
            `(e.g. .../${partition}), pass another --partition, or leave --partition out to evaluate the folders as they are`,
        );
      }
    }
    return partition;
  }
  for (const [flag, dir] of dirs) {
    const inside = PARTITIONS.filter((p) => isDir(join(dir, p)));
    if (inside.length) {
      const pick = inside.includes('test') ? 'test' : inside[inside.length - 1];
      throw new Error(
        `--${flag} '${dir}' holds the partition folders ${inside.join(', ')}: evaluate one partition, ` +
          `e.g. --${flag} ${join(dir, pick)} (and the other folder's ${pick} too) --partition ${pick}`,
      );
    }
  }
  if (partition === 'all') return partition;
  const names = new Set(dirs.map(([, d]) => basename(d)));
  const [only] = names;
  if (names.size === 1 && (PARTITIONS as readonly string[]).includes(only)) {
    say(`partition: ${only} (the folders' name; --partition to name it otherwise)`);
    return only;
  }
  say(
    "no --partition: evaluating the folders themselves; results go to the partition folder 'all' (--partition to name it)",
  );
  return 'all';
}
