/**
 * export-onnx: writes a trained checkpoint (`<run>/opt.yml`, `--which_epoch`) as an ONNX file for
 * onnxruntime (Node, browsers, Python), with the checkpoint's preprocessing in its metadata.
 *
 *   npm run export-onnx -- --train_config checkpoints/<name>/opt.yml --which_epoch bestval --out model.onnx
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  BACKEND_OPTION,
  parseOptions,
  readYamlOptions,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  TEST_OPTIONS,
  TRAIN_OPTIONS,
  withSmoke,
  type OptionSpecs,
} from '@patchfx/example-common';
import { writeFileAtomic } from '@patchfx/data/node';
import { checkpointPreprocessing, isPatchModel, referenceSizes } from '@patchfx/models';
import { loadCheckpoint } from '@patchfx/models/node';
import { exportOnnx, ONNX_IO_NAMES, ONNX_OPSET } from '@patchfx/models/onnx';

const OPTIONS: OptionSpecs = {
  train_config: {
    type: 'string',
    default: null,
    help: "the run's opt.yml; the checkpoint is <its folder>/<which_epoch>/",
  },
  which_epoch: {
    type: 'string',
    default: 'bestval',
    help: 'checkpoint to export: bestval, latest or an epoch number',
  },
  out: {
    type: 'string',
    default: '',
    help: 'ONNX file to write [default: <run>/<which_epoch>.onnx]',
  },
  overwrite: { type: 'boolean', default: false, help: 'replace an existing --out file' },
  backend: { ...BACKEND_OPTION, default: 'cpu' },
  smoke: SMOKE_OPTION,
};

/** A byte count in KiB or MiB. */
function fileSize(n: number): string {
  return n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}

const USAGE = '--train_config <run>/opt.yml [--which_epoch bestval] [--out model.onnx]';

async function main(argv: readonly string[]): Promise<number | void> {
  const { values, positionals } = parseOptions(OPTIONS, argv, 'export-onnx', USAGE);
  if (positionals.length) {
    throw new Error(
      `export-onnx: unexpected argument '${positionals[0]}'; usage: npm run export-onnx -- ${USAGE}`,
    );
  }
  if (!values.train_config)
    throw new Error(`give --train_config; usage: npm run export-onnx -- ${USAGE}`);
  const config = String(values.train_config);
  const train = readYamlOptions(config, { ...TRAIN_OPTIONS, ...TEST_OPTIONS });
  const epoch = String(values.which_epoch);
  const runDir = dirname(resolve(config));
  const source = join(runDir, epoch);
  const out = resolve(String(values.out || join(runDir, `${epoch}.onnx`)));
  if (existsSync(out) && !values.overwrite)
    throw new Error(`'${out}' exists; pass --overwrite to replace it`);
  await setupBackend(String(values.backend));

  const t0 = performance.now();
  const ckpt = await loadCheckpoint(source, {
    ...(train.which_model_netD ? { whichModelNetD: String(train.which_model_netD) } : {}),
  });
  const { model, metadata, manifest } = ckpt;
  let bytes: Uint8Array;
  let preprocessingFrom = 'the checkpoint';
  try {
    // Checkpoints of older patchfx do not record their preprocessing: take opt.yml's sizes.
    let preprocessing = manifest.preprocessing;
    if (!preprocessing) {
      const sizes = referenceSizes(metadata.config);
      const fineSize = Number(train.fineSize ?? sizes.fineSize);
      preprocessing = checkpointPreprocessing({
        loadSize: Number(train.loadSize ?? fineSize),
        fineSize,
      });
      preprocessingFrom = `${config} (the checkpoint records none)`;
    }
    bytes = exportOnnx(model, {
      preprocessing,
      ...(manifest.calibration ? { calibration: manifest.calibration } : {}),
    });
    const patch = isPatchModel(metadata.config);
    // Atomically: a reader never sees a half-written file.
    writeFileAtomic(out, bytes);
    const side = patch ? 'height, width' : `${preprocessing.fineSize}, ${preprocessing.fineSize}`;
    say(`model:  ${metadata.whichModelNetD} (${source})`);
    say(`input:  ${ONNX_IO_NAMES.input} float32 [batch, 3, ${side}] NCHW, RGB in [-1, 1]`);
    say(
      `output: ${ONNX_IO_NAMES.output} float32 ${patch ? '[batch, 2, H, W]' : '[batch, 2]'}, channel ${metadata.config.fakeClassId} = fake`,
    );
    say(
      `preprocessing: loadSize ${preprocessing.loadSize}, fineSize ${preprocessing.fineSize} (from ${preprocessingFrom})`,
    );
    say(
      `wrote ${out}: ${fileSize(bytes.length)}, ONNX opset ${ONNX_OPSET}, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } finally {
    model.dispose();
  }
}

runMain(
  withSmoke('export-onnx', main, {
    needs: 'run',
    defaultBackend: String(OPTIONS.backend.default),
    args: (ws) => ['--train_config', ws.run!.config, '--out', join(ws.root, 'model.onnx')],
  }),
);
