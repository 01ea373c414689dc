/**
 * Draws the picture of docs/face-parts.md: for each face, the photo with its landmarks, the
 * face parser's map, and the map over the photo; a legend below. A development script:
 *
 *   npx tsx --conditions=@patchfx/source examples/segment/src/figure.ts <out.png> <image>…
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadImageFile } from '@patchfx/data/node';
import { setupBackend } from '@patchfx/example-common';
import {
  colorizePartMap,
  FACE_MESH_REGIONS,
  FACE_PART_COLORS,
  FACE_PARTS,
  type FacePartMap,
} from '@patchfx/segment';
import { createSegmenter } from '@patchfx/segment/node';
import { drawText, imageGrid, resizeNearest, type PixelImage } from '@patchfx/viz';
import { writePng } from '@patchfx/viz/node';

const SCALE = 2;

/** Paints a square of side `side` at (x, y). */
function dot(image: PixelImage, x: number, y: number, side: number, rgb: readonly number[]): void {
  const r0 = -Math.floor((side - 1) / 2);
  for (let dy = r0; dy < r0 + side; dy++) {
    for (let dx = r0; dx < r0 + side; dx++) {
      const xx = Math.round(x) + dx;
      const yy = Math.round(y) + dy;
      if (xx < 0 || yy < 0 || xx >= image.width || yy >= image.height) continue;
      (image.data as Uint8Array).set(rgb, (yy * image.width + xx) * 3);
    }
  }
}

async function main(): Promise<void> {
  const [out, ...files] = process.argv.slice(2);
  if (!out || files.length === 0) throw new Error('usage: figure.ts <out.png> <image>…');
  await setupBackend('wasm');
  const parser = await createSegmenter({ kind: 'face-parser' });
  const tiles: PixelImage[] = [];
  try {
    for (const file of files) {
      const image = await loadImageFile(file);
      const map = (await parser.segment(image)) as FacePartMap;
      const big = (data: Uint8Array) =>
        resizeNearest(
          { data, width: image.width, height: image.height, channels: 3 },
          { width: image.width * SCALE, height: image.height * SCALE },
        );
      const photo = big(image.data.slice());
      if (map.face) {
        const mesh = map.face.mesh;
        const regions = Object.values(FACE_MESH_REGIONS).flat();
        for (const k of regions)
          dot(
            photo,
            (mesh[k][0] + 0.5) * SCALE - 0.5,
            (mesh[k][1] + 0.5) * SCALE - 0.5,
            2,
            [0, 255, 255],
          );
        for (const p of Object.values(map.face.points)) {
          dot(photo, (p[0] + 0.5) * SCALE - 0.5, (p[1] + 0.5) * SCALE - 0.5, 4, [255, 40, 40]);
        }
      }
      tiles.push(
        photo,
        big(colorizePartMap(map)),
        big(colorizePartMap(map, { image, alpha: 0.45 })),
      );
    }
  } finally {
    parser.dispose();
  }
  const grid = imageGrid(tiles, { columns: 3, padding: 2 });
  // legend: one swatch and name per cluster (hat is never produced)
  const legendHeight = 16 * Math.ceil(FACE_PARTS.length / 4) + 6;
  let legend: PixelImage = {
    data: new Uint8Array(grid.width * legendHeight * 3).fill(255),
    width: grid.width,
    height: legendHeight,
    channels: 3,
  };
  const column = Math.floor(grid.width / 4);
  FACE_PARTS.forEach((name, k) => {
    const x0 = 6 + (k % 4) * column;
    const y0 = 4 + Math.floor(k / 4) * 16;
    for (let y = y0; y < y0 + 11; y++) {
      for (let x = x0; x < x0 + 11; x++)
        (legend.data as Uint8Array).set(FACE_PART_COLORS[k], (y * legend.width + x) * 3);
    }
    legend = drawText(legend, name === 'hat' ? 'hat (never)' : name, {
      x: x0 + 16,
      y: y0 + 9,
      color: [0, 0, 0],
    });
  });
  const all = new Uint8Array(grid.data.length + legend.data.length);
  all.set(grid.data);
  all.set(legend.data, grid.data.length);
  writePng(
    out,
    { data: all, width: grid.width, height: grid.height + legendHeight, channels: 3 },
    { deflateLevel: 9 },
  );
  console.log(`${out}: ${files.length} faces, ${tf.memory().numTensors} tensors held`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
