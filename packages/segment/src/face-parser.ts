/**
 * The face parser: FaceMesh landmarks + Selfie person mask + colour rules → CelebAMask-HQ labels.
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { RgbImage } from '@patchfx/data';
import {
  createFaceLandmarker,
  type FaceLandmarker,
  type FaceLandmarks,
} from './face/landmarker.js';
import { loadFaceModel } from './face/models.js';
import { personProbability } from './face/person.js';
import { faceLabelsFromLandmarks } from './face/rules.js';
import { partMapToInputGrid, type PartMap } from './part-map.js';
import { CELEBAMASK_LABELS } from './parts.js';
import type {
  Segmenter,
  SegmenterConfig,
  SegmenterRuntime,
  SegmentInput,
  SegmentOptions,
} from './segmenter.js';

/** A face parser's map: CelebAMask-HQ labels plus the face it was derived from. */
export interface FacePartMap extends PartMap {
  /**
   * The face used (the detector's best), in the source image's coordinates even when the map
   * was brought onto an input grid; `null` when none was found (then every pixel is background).
   */
  readonly face: FaceLandmarks | null;
}

/** The `'face-parser'` segmenter. */
export class FaceParser implements Segmenter {
  readonly kind = 'face-parser' as const;
  readonly parts: readonly string[] = CELEBAMASK_LABELS;
  private disposed = false;

  private constructor(
    private readonly landmarker: FaceLandmarker,
    private readonly person: GraphModel,
    private readonly config: SegmenterConfig,
    private readonly runtime: SegmenterRuntime,
  ) {}

  /** Loads the three models. */
  static async create(config: SegmenterConfig, runtime: SegmenterRuntime): Promise<FaceParser> {
    const landmarker = await createFaceLandmarker(
      { modelBasePath: config.modelBasePath, minFaceScore: config.minFaceScore, maxFaces: 1 },
      runtime,
    );
    let person: GraphModel;
    try {
      person = await loadFaceModel('person', config.modelBasePath, runtime.loadModel);
    } catch (e) {
      landmarker.dispose();
      throw e;
    }
    return new FaceParser(landmarker, person, config, runtime);
  }

  async segment(input: SegmentInput, options: SegmentOptions = {}): Promise<FacePartMap> {
    if (this.disposed) throw new Error('this segmenter has been disposed');
    let image: RgbImage;
    if (typeof input === 'string') {
      if (!this.runtime.loadImage) {
        throw new Error(
          `cannot read '${input}': pass a decoded image, or use createSegmenter of '@patchfx/segment/node'`,
        );
      }
      image = await this.runtime.loadImage(input);
    } else image = input;
    const [faces, person] = [
      await this.landmarker.detect(image),
      await personProbability(this.person, image),
    ];
    const face = faces[0] ?? null;
    const labels = faceLabelsFromLandmarks(
      image,
      face ? face.mesh : null,
      person,
      this.config.personThreshold,
    );
    const map: PartMap = {
      labels,
      width: image.width,
      height: image.height,
      parts: this.parts,
    };
    const out = options.inputSize === undefined ? map : partMapToInputGrid(map, options.inputSize);
    return { ...out, face };
  }

  reset(): void {}

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.landmarker.dispose();
    this.person.dispose();
  }
}
