/**
 * Child process for the crash test: saves checkpoints of one model into the same folder in a
 * loop, alternating two weight sets, printing "saved <k>" after each, until killed.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { buildPatchDiscriminator } from '../../src/index.js';
import { saveCheckpoint } from '../../src/node/index.js';

const dir = process.argv[2];
await tf.setBackend('cpu');
const model = buildPatchDiscriminator('xception_block2');
for (let k = 0; ; k++) {
  // Every weight holds the value k, so a loaded checkpoint shows which save it came from.
  for (const w of model.weights) w.write(tf.fill(w.shape as number[], k));
  await saveCheckpoint(dir, { model, state: { k } });
  process.stdout.write(`saved ${k}\n`);
}
