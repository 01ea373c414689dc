import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createImage, type RgbImage } from '@patchfx/data';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import {
  createPartMap,
  createSegmenter as createWithRuntime,
  DEFAULT_SEGMENTER_CONFIG,
  FACE_PARTS,
  resolveSegmenterConfig,
} from '../src/index.js';
import {
  createSegmenter,
  readGroundTruth,
  readLabelMapFile,
  synthesizeDataset,
} from '../src/node/index.js';

describe('resolveSegmenterConfig', () => {
  test('fills the defaults and copies', () => {
    const c = resolveSegmenterConfig({ kind: 'label-maps' });
    expect(c).toEqual({ ...DEFAULT_SEGMENTER_CONFIG, kind: 'label-maps' });
    expect(c).not.toBe(DEFAULT_SEGMENTER_CONFIG);
    expect(Object.isFrozen(DEFAULT_SEGMENTER_CONFIG)).toBe(true);
  });

  const bad = [
    [{ kind: 'bisenet' }, /kind must be one of 'face-parser' \| 'label-maps', got "bisenet"/],
    [{ personThreshold: 1.5 }, /personThreshold must be a number in \[0, 1\]/],
    [{ minFaceScore: -0.1 }, /minFaceScore must be a number in \[0, 1\]/],
    [{ modelBasePath: '' }, /modelBasePath must be a non-empty string or null/],
    [{ threshold: 0.5 }, /unknown segmenter option 'threshold'; valid: kind, modelBasePath/],
  ] as const;
  for (const [config, message] of bad) {
    test(`rejects ${JSON.stringify(config)}`, () => {
      expect(() => resolveSegmenterConfig(config as never)).toThrow(message);
    });
  }
});

describe('label-map segmenter', () => {
  const tmp = makeTempDir('patchfx-segment-');
  const root = join(tmp.dir, 'set');
  beforeAll(async () => {
    await synthesizeDataset({
      root,
      count: 3,
      size: 32,
      splits: { train: 1 / 3, val: 1 / 3, test: 1 / 3 },
    });
  });
  afterAll(() => tmp.remove());

  test('reads the stored label map of every image back exactly', async () => {
    const seg = await createSegmenter({ kind: 'label-maps' });
    try {
      expect(seg.kind).toBe('label-maps');
      for (const kind of ['real', 'fake'] as const) {
        for (const split of ['train', 'val', 'test']) {
          const index = { train: 0, val: 1, test: 2 }[split];
          const image = join(root, kind, split, `${kind}-0000${index}.png`);
          const map = await seg.segment(image);
          const truth = await readGroundTruth(image);
          expect([map.width, map.height]).toEqual([32, 32]);
          expect(map.labels).toEqual(truth.labels);
          expect(map.parts).toEqual([...FACE_PARTS]);
        }
      }
    } finally {
      seg.dispose();
    }
  });

  test('brings the map onto the classifier grid with nearest neighbour', async () => {
    const image = join(root, 'fake', 'train', 'fake-00000.png');
    const seg = await createSegmenter({ kind: 'label-maps' });
    try {
      const small = await seg.segment(image);
      const big = await seg.segment(image, { inputSize: 64 });
      expect([big.width, big.height]).toEqual([64, 64]);
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          expect(big.labels[y * 64 + x]).toBe(small.labels[(y >> 1) * 32 + (x >> 1)]);
        }
      }
      // the planted parts are there
      const names = new Set(Array.from(big.labels, (id) => big.parts[id]));
      expect(names.has('hair') && names.has('background') && names.has('skin')).toBe(true);
    } finally {
      seg.dispose();
    }
  });

  test('explains what is missing', async () => {
    const seg = await createSegmenter({ kind: 'label-maps' });
    const loose = join(tmp.dir, 'loose');
    mkdirSync(loose, { recursive: true });
    try {
      await expect(seg.segment(join(loose, 'x.png'))).rejects.toThrow(
        /no ground truth for .*x\.png.*\.truth.*x\.labels\.png/,
      );
      const pixels: RgbImage = createImage(2, 2);
      await expect(seg.segment(pixels)).rejects.toThrow(/needs the image's file path/);
      seg.dispose();
      await expect(seg.segment(join(root, 'real', 'val', 'real-00001.png'))).rejects.toThrow(
        /disposed/,
      );
    } finally {
      rmSync(loose, { recursive: true, force: true });
    }
  });

  test('readLabelMapFile names parts from the legend', async () => {
    const map = await readLabelMapFile(join(root, 'real', 'test', 'real-00002.png'));
    expect(map.parts[0]).toBe('background');
    expect(map.parts.length).toBe(11);
  });

  test('the browser-safe factory takes its reader from the runtime, and needs one', async () => {
    await expect(createWithRuntime({ kind: 'label-maps' })).rejects.toThrow(
      /'label-maps' segmenter reads files/,
    );
    const seg = await createWithRuntime(
      { kind: 'label-maps' },
      { readLabelMap: async () => createPartMap(new Uint8Array([9, 0, 0, 0]), 2, 2) },
    );
    const map = await withNoLeaks(() => seg.segment('whatever.png', { inputSize: 3 }));
    expect(Array.from(map.labels)).toEqual([9, 9, 0, 9, 9, 0, 0, 0, 0]);
  });
});
