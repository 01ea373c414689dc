import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';
import { loadImageFile } from '@patchfx/data/node';
import { colorizePartMap, type FacePartMap } from '@patchfx/segment';
import { createSegmenter } from '@patchfx/segment/node';
import { imageGrid } from '@patchfx/viz';
import { writePng } from '@patchfx/viz/node';

await tf.setBackend(process.env.BK ?? 'wasm'); await tf.ready();
const files = process.argv.slice(2);
const seg = await createSegmenter({ kind: 'face-parser' });
const tiles = [];
for (const f of files) {
  const img = await loadImageFile(f);
  const t0 = performance.now();
  const map = (await seg.segment(img)) as FacePartMap;
  const dt = performance.now() - t0;
  console.log(f, dt.toFixed(0), 'ms', map.face ? map.face.score.toFixed(2) : 'no face', tf.memory().numTensors);
  tiles.push({ data: img.data, width: img.width, height: img.height, channels: 3 as const });
  tiles.push({ data: colorizePartMap(map), width: img.width, height: img.height, channels: 3 as const });
}
seg.dispose();
writePng('/tmp/segscratch/parse.png', imageGrid(tiles, { columns: 8, padding: 2 }));
