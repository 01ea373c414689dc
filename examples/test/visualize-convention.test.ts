/**
 * The evaluate program's heatmap galleries show what the detector shows (issue 16, item 6):
 * P(fake) overlays labelled `p(fake)=…`, so red means fake-looking in every patchfx picture;
 * the `.npy` maps stay the reference's P(real). `heatmapClass: 'real'` reproduces the
 * reference's pictures, `heatmapScale: 'absolute'` maps probabilities straight onto JET.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveTransformConfig } from '@patchfx/data';
import { makeTempDir } from '@patchfx/test-utils';
import {
  averageMaps,
  heatmapAvgImage,
  patchOverlay,
  probabilityLabel,
  type PixelImage,
} from '@patchfx/viz';
import { readNpy, readPng, writePng } from '@patchfx/viz/node';
import { prepareImage, probabilityMap } from '@patchfx/models/evaluate';
import { writeVisualizations } from '@patchfx/example-common';

const tmp = makeTempDir();
afterAll(() => tmp.remove());

const SIZE = 32;
const transform = resolveTransformConfig({ loadSize: SIZE, fineSize: SIZE, patchModel: true });

function face(seed: number): string {
  const data = Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (i * (7 + seed)) % 251);
  const path = join(tmp.dir, `face${seed}.png`);
  writePng(path, { data, width: SIZE, height: SIZE, channels: 3 });
  return path;
}

// Channel 0 = fake (the default). A 2×2 patch map per image; logits differ per patch.
// Two images per class: each gallery takes at most half of its class.
const predictions = [
  { path: face(1), label: 0, logits: new Float32Array([2, -1, 0.5, 0, -1, 1, 0.2, 0.1]) },
  { path: face(2), label: 1, logits: new Float32Array([-2, 1, 0, 0.3, 1, 1, -0.5, 2]) },
  { path: face(3), label: 0, logits: new Float32Array([0, 0.5, -1, 0, 0, 0, 0.1, 0.3]) },
  { path: face(4), label: 1, logits: new Float32Array([0, -0.2, 0.4, 0, 0, 0.1, 0, 0]) },
];
// after_softmax scores: the mean of each patch's softmax.
const scores = predictions.map((p) => {
  const pf = probabilityMap(p.logits, 0);
  const fake = pf.reduce((a, b) => a + b, 0) / pf.length;
  return [fake, 1 - fake];
});

async function run(outDir: string, extra: Record<string, unknown> = {}) {
  await writeVisualizations({
    outDir,
    predictions,
    scores,
    mapSize: [2, 2],
    transform,
    fakeClassId: 0,
    topn: 1,
    ...extra,
  });
}

describe('evaluate --visualize pictures', () => {
  test('overlays and heatmap_avg.png show P(fake), labelled p(fake); the .npy is P(real)', async () => {
    const out = join(tmp.dir, 'default');
    await run(out);
    const dir = join(out, 'vis', 'fakes', 'easiest');
    const input = await prepareImage(predictions[0].path, transform);
    const image: PixelImage = { ...input, channels: 3 };
    const pFake = { data: probabilityMap(predictions[0].logits, 0), height: 2, width: 2 };
    const expected = patchOverlay(image, pFake, {
      correct: true,
      label: probabilityLabel(scores[0][0], 'fake'),
    });
    expect(readPng(join(dir, '001_patch_1.png')).data).toEqual(expected.data);
    expect(probabilityLabel(scores[0][0], 'fake')).toMatch(/^p\(fake\)=0\.\d\d$/);
    // The reference's file: P(real) per patch.
    const npy = readNpy(join(dir, '001_heatmap_1.npy'));
    expect(Array.from(npy.data as Float32Array)).toEqual(
      Array.from(probabilityMap(predictions[0].logits, 1)),
    );
    expect(readPng(join(dir, 'heatmap_avg.png')).data).toEqual(
      heatmapAvgImage(averageMaps([pFake]), { height: SIZE, width: SIZE }).data,
    );
  });

  test("heatmapClass 'real' draws the reference's P(real) pictures", async () => {
    const out = join(tmp.dir, 'real');
    await run(out, { heatmapClass: 'real' });
    const dir = join(out, 'vis', 'reals', 'easiest');
    const input = await prepareImage(predictions[1].path, transform);
    const pReal = { data: probabilityMap(predictions[1].logits, 1), height: 2, width: 2 };
    const expected = patchOverlay({ ...input, channels: 3 }, pReal, {
      correct: scores[1][1] > scores[1][0],
      label: probabilityLabel(scores[1][1], 'real'),
    });
    expect(readPng(join(dir, '001_patch_1.png')).data).toEqual(expected.data);
  });

  test("heatmapScale 'absolute' maps probabilities straight onto the colormap", async () => {
    const out = join(tmp.dir, 'absolute');
    await run(out, { heatmapScale: 'absolute' });
    const dir = join(out, 'vis', 'fakes', 'easiest');
    const input = await prepareImage(predictions[0].path, transform);
    const pFake = { data: probabilityMap(predictions[0].logits, 0), height: 2, width: 2 };
    const expected = patchOverlay({ ...input, channels: 3 }, pFake, {
      correct: true,
      label: probabilityLabel(scores[0][0], 'fake'),
      scale: 'absolute',
    });
    const got = readPng(join(dir, '001_patch_1.png')).data;
    expect(got).toEqual(expected.data);
    expect(got).not.toEqual(
      readPng(join(tmp.dir, 'default/vis/fakes/easiest/001_patch_1.png')).data,
    );
    expect(readFileSync(join(dir, 'preds.txt'), 'utf8')).toContain(predictions[0].path);
  });
});
