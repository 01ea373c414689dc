/**
 * convert: turns a reference PyTorch checkpoint (`<which_epoch>_net_D.pth`) into a patchfx
 * checkpoint folder `<out>/<which_epoch>/` plus `<out>/opt.yml`, so every patchfx program can
 * use it. Reads the file without running any of its code.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  SMOKE_SIZES,
  toYaml,
  withSmoke,
  type OptionSpecs,
} from '@patchfx/example-common';
import {
  buildPatchDiscriminator,
  checkpointPreprocessing,
  getModelMetadata,
  isPatchModel,
  outputSize,
  referenceSizes,
  resolveModelConfig,
} from '@patchfx/models';
import {
  loadCheckpoint,
  loadTorchCheckpointFile,
  saveCheckpoint,
  saveSafetensorsFile,
} from '@patchfx/models/node';

const OPTIONS: OptionSpecs = {
  which_model_netD: {
    type: 'string',
    default: '',
    help: 'architecture of the checkpoint, e.g. xception_block2 (inferred from its keys when omitted)',
  },
  out: {
    type: 'string',
    default: '',
    help: 'output run folder [default: <checkpoints_dir>/<name>]',
  },
  checkpoints_dir: { type: 'string', default: './checkpoints', help: 'where run folders live' },
  name: {
    type: 'string',
    default: '',
    help: "run name [default: the .pth file's folder name]",
  },
  which_epoch: {
    type: 'string',
    default: '',
    help: 'checkpoint tag [default: from <which_epoch>_net_D.pth, else bestval]',
  },
  fineSize: {
    type: 'number',
    default: null,
    help: "side the model was trained at (the crop), written into the checkpoint and opt.yml [default: the reference scripts' 299 for xception*, 224 for resnet*]",
  },
  loadSize: {
    type: 'number',
    default: null,
    help: 'shorter side after the resize, before the crop; patch models are run at it. Written into the checkpoint and opt.yml [default: fineSize, as in the reference scripts]',
  },
  fake_class_id: {
    type: 'string',
    default: '0',
    choices: ['0', '1'],
    help: 'channel of the fake class the checkpoint was trained with',
  },
  overwrite: {
    type: 'boolean',
    default: false,
    help: 'replace an existing checkpoint folder and opt.yml',
  },
  backend: { ...BACKEND_OPTION, default: 'cpu' },
  smoke: SMOKE_OPTION,
};

const USAGE = '<file.pth> [--which_model_netD NAME] [--out checkpoints/<name>] [--which_epoch TAG]';

async function main(argv: readonly string[]): Promise<number | void> {
  const { values, positionals } = parseOptions(OPTIONS, argv, 'convert', USAGE);
  if (positionals.length !== 1) {
    throw new Error(
      `convert takes one checkpoint file, got ${positionals.length ? positionals.join(' ') : 'none'}; usage: npm run convert -- ${USAGE}`,
    );
  }
  const file = positionals[0];
  await setupBackend(String(values.backend));

  const ckpt = await loadTorchCheckpointFile(file, {
    ...(values.which_model_netD ? { whichModelNetD: String(values.which_model_netD) } : {}),
    fakeClassId: Number(values.fake_class_id) as 0 | 1,
  });
  const { model, whichModelNetD } = ckpt;
  const modelConfig = getModelMetadata(model).config;
  try {
    const tagFromFile = /^(.+)_net_D\.(pth|pt|safetensors)$/.exec(basename(file))?.[1];
    const whichEpoch = String(values.which_epoch || tagFromFile || 'bestval');
    const name = String(values.name || basename(dirname(resolve(file))));
    // opt.yml keeps the folder as given (relative stays relative, like the reference's).
    const outArg = String(values.out || join(String(values.checkpoints_dir), name));
    const out = resolve(outArg);
    const target = join(out, whichEpoch);
    const optPath = join(out, 'opt.yml');
    if (!values.overwrite) {
      for (const p of [target, optPath]) {
        if (existsSync(p)) throw new Error(`'${p}' exists; pass --overwrite to replace it`);
      }
    }
    const fineSize = Number(values.fineSize ?? referenceSizes(modelConfig).fineSize);
    const loadSize = Number(values.loadSize ?? fineSize);
    for (const [k, v] of Object.entries({ fineSize, loadSize })) {
      if (!(Number.isInteger(v) && v >= 1))
        throw new Error(`--${k} must be a positive integer, got ${v}`);
    }
    const sizesFrom =
      values.fineSize != null || values.loadSize != null
        ? '--loadSize/--fineSize'
        : `the reference scripts' size for ${whichModelNetD}; set --loadSize/--fineSize if it was trained at another`;
    const patch = isPatchModel(modelConfig);

    const state = {
      ...(ckpt.epoch !== undefined ? { epoch: ckpt.epoch } : {}),
      ...(ckpt.bestValMetric !== undefined ? { bestValMetric: ckpt.bestValMetric } : {}),
      ...(ckpt.bestValEpoch !== undefined ? { bestValEpoch: ckpt.bestValEpoch } : {}),
      convertedFrom: basename(file),
    };
    // The reference's checkpoints do not say how they were cropped; its scripts centre-crop.
    const preprocessing = checkpointPreprocessing({ loadSize, fineSize });
    await saveCheckpoint(target, { model, state, preprocessing });
    const opt = {
      model: patch ? 'patch_discriminator' : 'basic_discriminator',
      which_model_netD: whichModelNetD,
      fake_class_id: Number(values.fake_class_id),
      which_epoch: whichEpoch,
      loadSize,
      fineSize,
      name: basename(out),
      checkpoints_dir: dirname(outArg),
    };
    mkdirSync(out, { recursive: true });
    writeFileSync(
      optPath,
      `# converted by patchfx from ${resolve(file)} (${ckpt.format} format)\n${toYaml(opt)}`,
    );

    // Check: the written checkpoint reproduces the loaded model's logits.
    const back = await loadCheckpoint(target, { whichModelNetD: modelConfig });
    const x = tf.tidy(() => tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 0));
    const a = tf.tidy(() => model.predict(x) as tf.Tensor);
    const b = tf.tidy(() => back.model.predict(x) as tf.Tensor);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
    const maxDiff = (await diff.data())[0];
    tf.dispose([x, a, b, diff]);
    back.model.dispose();
    if (maxDiff !== 0)
      throw new Error(`the written checkpoint differs from the file (max |Δ| ${maxDiff})`);

    say(
      `read:        ${file} (${ckpt.format}; ${ckpt.otherKeys.length ? `also holds ${ckpt.otherKeys.join(', ')}` : 'bare state dict'})`,
    );
    say(
      `model:       ${whichModelNetD} (${patch ? 'patch_discriminator' : 'basic_discriminator'})`,
    );
    if (ckpt.epoch !== undefined) {
      say(
        `epoch:       ${ckpt.epoch}, best_val_metric ${ckpt.bestValMetric ?? '-'} at epoch ${ckpt.bestValEpoch ?? '-'}`,
      );
    }
    say(`preprocessing: loadSize ${loadSize}, fineSize ${fineSize} (${sizesFrom})`);
    if (patch) {
      // Patch models are evaluated on the whole loadSize square (spec §3.4).
      const [h, w] = outputSize(model, loadSize);
      say(`patch map:   ${h}×${w} at ${loadSize}×${loadSize}`);
    }
    say(`wrote:       ${target}`);
    say(`wrote:       ${optPath}`);
  } finally {
    model.dispose();
  }
}

runMain(
  withSmoke('convert', main, {
    needs: 'folder',
    defaultBackend: String(OPTIONS.backend.default),
    // A reference-format file to convert: a seeded model exported with the PyTorch names.
    args: async (ws) => {
      await setupBackend(ws.backend);
      const file = join(ws.root, 'reference', 'smoke', 'bestval_net_D.safetensors');
      const model = buildPatchDiscriminator(
        resolveModelConfig(SMOKE_SIZES.whichModelNetD, { seed: 0 }),
      );
      try {
        await saveSafetensorsFile(file, model);
      } finally {
        model.dispose();
      }
      return [
        file,
        '--out',
        join(ws.checkpointsDir, 'converted'),
        '--fineSize',
        String(SMOKE_SIZES.imageSize),
      ];
    },
  }),
);
