// A page's script: the main entries of the five packages, bundled for the browser by
// packaging/browser-bundle.test.ts. It must not pull in any Node built-in.
/* global window */
import * as tf from '@tensorflow/tfjs-core';
// Bundled apps import the backend package themselves: useBackend's `import(name)` of a computed
// name is not something a bundler can follow.
import '@tensorflow/tfjs-backend-cpu';
import { useBackend } from '@patchfx/models/backend';
import { buildPatchDiscriminator, outputSize } from '@patchfx/models';
import { averagePrecision } from '@patchfx/metrics';
import { colormapColor } from '@patchfx/viz';
import { createImage, resizeImage } from '@patchfx/data';
import * as segment from '@patchfx/segment';

async function main() {
  tf.env().set('PROD', true);
  await useBackend('cpu');
  const before = tf.memory().numTensors;
  const model = buildPatchDiscriminator('xception_block1');
  const y = tf.tidy(() => model.predict(tf.zeros([1, 64, 64, 3])));
  const shape = y.shape;
  const finite = (await y.data()).every(Number.isFinite);
  y.dispose();
  const size128 = outputSize(model, 128);
  model.dispose();
  const big = resizeImage(createImage(4, 4, new Uint8Array(48).fill(100)), 9, 7, 'lanczos');
  return {
    backend: tf.getBackend(),
    size128,
    shape,
    finite,
    ap: averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
    jet0: colormapColor('jet', 0),
    resized: [big.width, big.height, big.data[0]],
    segment: typeof segment,
    leaked: tf.memory().numTensors - before,
  };
}

window.__patchfx = main().then(
  (value) => ({ value }),
  (e) => ({ error: String((e && e.stack) || e) }),
);
