/**
 * The `'label-maps'` segmenter: label maps stored beside the images (ground truth).
 */
import { partMapToInputGrid, type PartMap } from './part-map.js';
import { FACE_PARTS } from './parts.js';
import type { Segmenter, SegmentInput, SegmentOptions } from './segmenter.js';

/** Reads the stored label map of each image path through a reader. */
export class LabelMapSegmenter implements Segmenter {
  readonly kind = 'label-maps' as const;
  readonly parts: readonly string[] = FACE_PARTS;
  private disposed = false;

  constructor(private readonly read: (imagePath: string) => Promise<PartMap>) {}

  async segment(input: SegmentInput, options: SegmentOptions = {}): Promise<PartMap> {
    if (this.disposed) throw new Error('this segmenter has been disposed');
    if (typeof input !== 'string') {
      throw new Error(
        "the 'label-maps' segmenter needs the image's file path (its label map is stored beside it), not pixels",
      );
    }
    const map = await this.read(input);
    return options.inputSize === undefined ? map : partMapToInputGrid(map, options.inputSize);
  }

  reset(): void {}

  dispose(): void {
    this.disposed = true;
  }
}
