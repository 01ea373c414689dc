import {
  TEST_OPTIONS,
  TRAIN_OPTIONS,
  parseOptions,
  readYamlOptions,
  withArchitectureSizes,
  type Options,
  type OptionSpecs,
} from '@patchfx/example-common';

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

/**
 * Test options merged with the training run's `opt.yml` as the reference does: every key of the
 * train config overrides the test option of the same name unless given on the command line.
 */
export function resolveTestOptions(
  argv: readonly string[],
  extra: OptionSpecs = {},
  program = 'evaluate',
  usage = '--train_config opt.yml --dataset_name N --real_im_path DIR --fake_im_path DIR [options]',
): Options {
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
  return withArchitectureSizes(values);
}
