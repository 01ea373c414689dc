// Type-checked (never run) under `moduleResolution` nodenext and bundler: the published
// declarations must resolve and type these calls.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { useBackend, type BackendName } from '@patchfx/models/backend';
import { buildPatchDiscriminator, outputSize, type ModelConfig } from '@patchfx/models';
import { loadDetectorFromPath, saveCheckpoint } from '@patchfx/models/node';
import { averagePrecision } from '@patchfx/metrics';
import {
  colormapColor,
  normalizeMinMax,
  patchOverlay,
  probabilityLabel,
  type PixelImage,
  type Rgb,
} from '@patchfx/viz';
import { encodePng } from '@patchfx/viz/node';
import { createImage, resizeImage, type RgbImage } from '@patchfx/data';
import { initNodeCodecs } from '@patchfx/data/node';
import * as segment from '@patchfx/segment';

export async function consume(backend: BackendName): Promise<number> {
  await useBackend(backend);
  const model: LayersModel = buildPatchDiscriminator('xception_block1');
  const size: [number, number] = outputSize(model, 128);
  const depth: ModelConfig['backbone'] = 'xception';
  const ap: number = averagePrecision([0, 1], [0.2, 0.9]);
  const color: Rgb = colormapColor('jet', 0);
  const image: RgbImage = resizeImage(createImage(2, 2), 3, 3, 'bilinear');
  const png: Uint8Array = encodePng({ data: image.data, width: 3, height: 3, channels: 3 });
  await initNodeCodecs();
  const save: (dir: string, contents: Parameters<typeof saveCheckpoint>[1]) => Promise<void> =
    saveCheckpoint;
  model.dispose();
  // The declarations are real types, not `any` (an unresolved import would make them `any`):
  // @ts-expect-error: outputSize takes the model first
  outputSize(128, model);
  // @ts-expect-error: averagePrecision returns a number
  const notString: string = averagePrecision([0, 1], [0.2, 0.9]);
  // @ts-expect-error: 'nope' is not a colormap
  colormapColor('nope', 0);
  // @ts-expect-error: 'metal' is not a backend
  await useBackend('metal');
  void notString;
  return (
    size[0] + ap + color[0] + png.length + depth.length + Object.keys(segment).length + save.length
  );
}

// An app's heatmap (issue 16): the detector's model-input image and P(fake) map go straight
// into patchOverlay; the map's data and the maps viz returns are Float32Array, not unions.
export async function heatmap(dir: string, photo: string): Promise<PixelImage | null> {
  const detector = await loadDetectorFromPath(dir);
  try {
    const seen: RgbImage[] = [];
    const { score, patchMap } = await detector.detect(photo, {
      onModelInput: (image) => seen.push(image),
    });
    if (!patchMap) return null;
    const values: Float32Array = patchMap.data;
    const stretched: Float32Array = normalizeMinMax(patchMap).data;
    const { patches } = await detector.explain(photo);
    const dominant: string | undefined = patches[0]?.dominantPart?.name;
    void [values, stretched, dominant];
    return patchOverlay(seen[0], patchMap, { label: probabilityLabel(score), scale: 'absolute' });
  } finally {
    detector.dispose();
  }
}
