/**
 * demo: builds a patch discriminator and runs one training step on the wasm backend. (Grows
 * into synthesize → train → evaluate → visualize as those stages land.)
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  setupBackend,
  type OptionSpecs,
} from '@patchfx/example-common';
import { Adam, buildPatchDiscriminator, outputSize, trainStep } from '@patchfx/models';

const OPTIONS: OptionSpecs = {
  backend: BACKEND_OPTION,
  which_model_netD: { type: 'string', default: 'xception_block2', help: 'model to train' },
  smoke: { type: 'boolean', default: false, help: 'tiny run (seconds)' },
};

runMain(async () => {
  const { values } = parseOptions(OPTIONS, process.argv.slice(2), 'demo');
  await setupBackend(String(values.backend));
  const size = values.smoke ? 64 : 128;
  const model = buildPatchDiscriminator(String(values.which_model_netD));
  const optimizer = new Adam();
  const [x, y] = tf.tidy(() => [
    tf.randomUniform([4, size, size, 3], -1, 1, 'float32', 0) as tf.Tensor4D,
    tf.tensor1d([1, 1, 0, 0], 'int32'),
  ]);
  try {
    const r = await trainStep(model, optimizer, x, y);
    const [h, w] = outputSize(model, size);
    say(
      `backend ${tf.getBackend()}: one training step of ${values.which_model_netD} at ${size}×${size}, loss ${r.loss.toFixed(4)}`,
    );
    say(`patch map: ${h}×${w}×2`);
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
});
