// Type-checked (never run) as a CommonJS module under `moduleResolution` node16: a `require` of
// each package must find CommonJS declarations (`.d.cts`), not the ESM ones.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS consumer is the point */
import models = require('@patchfx/models');
import backend = require('@patchfx/models/backend');
import modelsNode = require('@patchfx/models/node');
import data = require('@patchfx/data');
import dataNode = require('@patchfx/data/node');
import metrics = require('@patchfx/metrics');
import viz = require('@patchfx/viz');
import vizNode = require('@patchfx/viz/node');
import segment = require('@patchfx/segment');

export async function consume(): Promise<number> {
  await backend.useBackend('cpu');
  const model = models.buildPatchDiscriminator('xception_block1');
  const [h] = models.outputSize(model, 128);
  model.dispose();
  const ap: number = metrics.averagePrecision([0, 1], [0.2, 0.9]);
  const image = data.resizeImage(data.createImage(2, 2), 3, 3, 'bilinear');
  const png: Uint8Array = vizNode.encodePng({ ...image, channels: 3 });
  await dataNode.initNodeCodecs();
  return (
    h +
    ap +
    viz.colormapColor('jet', 0)[0] +
    png.length +
    Object.keys(segment).length +
    modelsNode.saveCheckpoint.length
  );
}
