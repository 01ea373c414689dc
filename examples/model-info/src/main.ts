/**
 * model-info: parameter count, output map size and receptive-field geometry of a model.
 */
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  withSmoke,
  type OptionSpecs,
} from '@patchfx/example-common';
import {
  buildPatchDiscriminator,
  countParams,
  isPatchModel,
  listModelNames,
  outputSize,
  receptiveField,
  resolveModelConfig,
} from '@patchfx/models';

const OPTIONS: OptionSpecs = {
  which_model_netD: {
    type: 'string',
    default: 'xception_block2',
    help: 'model name, e.g. xception_block2, resnet18_layer1',
  },
  size: { type: 'number', default: 299, help: 'input size in pixels (square)' },
  json: { type: 'boolean', default: false, help: 'print one JSON line' },
  list: { type: 'boolean', default: false, help: 'list every model name' },
  backend: { ...BACKEND_OPTION, default: 'cpu' },
  smoke: SMOKE_OPTION,
};

async function main(argv: readonly string[]): Promise<number | void> {
  const { values } = parseOptions(
    OPTIONS,
    argv,
    'model-info',
    '[--which_model_netD NAME] [--size N] [--json] [--list]',
  );
  if (values.list) {
    say(listModelNames().join('\n'));
    return 0;
  }
  await setupBackend(String(values.backend));
  const name = String(values.which_model_netD);
  const size = Number(values.size);
  const config = resolveModelConfig(name);
  const patch = isPatchModel(config);
  const model = buildPatchDiscriminator(config);
  try {
    const params = countParams(model);
    const geometry = patch ? receptiveField(model) : null;
    const out = patch ? outputSize(model, size) : null;
    if (values.json) {
      say(
        JSON.stringify({
          which_model_netD: name,
          inputSize: size,
          outputSize: out,
          rf: geometry?.rf ?? null,
          jump: geometry?.jump ?? null,
          offset: geometry?.offset ?? null,
          params,
        }),
      );
    } else {
      say(`model:          ${name}${patch ? '' : ' (full-image classifier)'}`);
      say(`parameters:     ${params.toLocaleString('en-US')}`);
      say(`input:          ${size}×${size}×3`);
      if (geometry && out) {
        say(`patch map:      ${out[0]}×${out[1]}×2 logits`);
        say(
          `receptive field: ${geometry.rf} px, jump ${geometry.jump} px, offset ${geometry.offset} px`,
        );
      } else {
        say('output:         2 logits per image');
      }
    }
  } finally {
    model.dispose();
  }
}

runMain(
  withSmoke('model-info', main, {
    needs: 'folder',
    defaultBackend: String(OPTIONS.backend.default),
    args: () => ['--which_model_netD', 'xception_block2', '--size', '64'],
  }),
);
