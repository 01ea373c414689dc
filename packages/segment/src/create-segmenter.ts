/**
 * `createSegmenter`: picks and builds a segmenter implementation from its config.
 */
import { FaceParser } from './face-parser.js';
import { LabelMapSegmenter } from './label-maps.js';
import {
  resolveSegmenterConfig,
  type Segmenter,
  type SegmenterConfig,
  type SegmenterRuntime,
} from './segmenter.js';

/**
 * Creates a segmenter. In Node, `createSegmenter` of `@patchfx/segment/node` supplies file
 * access and the installed model files; this one takes them from `runtime`.
 *
 * @param config - See {@link SegmenterConfig}.
 * @param runtime - Model, image and label-map readers; see {@link SegmenterRuntime}.
 * @returns The segmenter, owned by the caller (`dispose()` it).
 * @throws When the config is invalid, a face model cannot be loaded, or the label-map
 *   segmenter has no `readLabelMap`.
 *
 * @example
 * ```ts doctest
 * import { createSegmenter, createPartMap } from '@patchfx/segment';
 * const seg = await createSegmenter(
 *   { kind: 'label-maps' },
 *   { readLabelMap: async () => createPartMap(new Uint8Array([0, 9, 9, 1]), 2, 2) },
 * );
 * const map = await seg.segment('any.png', { inputSize: 4 });
 * [map.width, map.parts[map.labels[2]]]; // => [4, 'hair']
 * seg.dispose();
 * ```
 */
export async function createSegmenter(
  config: Partial<SegmenterConfig> = {},
  runtime: SegmenterRuntime = {},
): Promise<Segmenter> {
  const c = resolveSegmenterConfig(config);
  if (c.kind === 'label-maps') {
    if (!runtime.readLabelMap) {
      throw new Error(
        "the 'label-maps' segmenter reads files: use createSegmenter of '@patchfx/segment/node' " +
          'or pass runtime.readLabelMap',
      );
    }
    return new LabelMapSegmenter(runtime.readLabelMap);
  }
  return FaceParser.create(c, runtime);
}
