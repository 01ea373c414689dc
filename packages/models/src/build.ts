import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { PatchGrid } from '@patchfx/data';
import { buildLongXception, buildXception } from './architectures/xception.js';
import { buildResnet } from './architectures/resnet.js';
import { initializeWeights } from './init.js';
import { registerCustomLayers } from './layers/register.js';
import { outputSize, receptiveField } from './receptive-field.js';
import {
  modelName,
  resolveModelConfig,
  type ModelConfig,
  type ModelConfigInput,
  type ResnetDepth,
  type ResnetLayer,
  type XceptionLayer,
} from './variants.js';

/** Key under which patchfx keeps its metadata in a model's `userDefinedMetadata`. */
export const METADATA_KEY = 'patchfx';

/** What patchfx stores in every model it builds. */
export interface ModelMetadata {
  /** Reference name, e.g. `xception_block2`. */
  readonly whichModelNetD: string;
  /** The resolved construction config. */
  readonly config: ModelConfig;
}

/**
 * Builds a patch discriminator (or full-image baseline) and initialises its weights as the
 * reference does. The model is fully convolutional: any input size works.
 *
 * Input shape: `[batch, h, w, 3]`, RGB in [-1, 1].
 * Output shape: patch models `[batch, H, W, 2]` logits (channel `fakeClassId` = fake);
 * full models (`xception`, `resnet18`, …) `[batch, 2]`.
 *
 * @param config - A reference name (`'xception_block2'`, `'resnet18_layer1'`, `'longxception'`,
 *   `'xception'`, `'resnet18'`) or a typed config (`{ backbone: 'xception', truncateAt: 'block2' }`).
 * @param overrides - Config fields applied on top, e.g. `{ seed: 1 }`.
 * @returns A new model. The caller owns it and must call `model.dispose()`.
 * @throws When the name or a config field is invalid; the message lists the valid values.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator, outputSize } from '@patchfx/models';
 * const model = buildPatchDiscriminator('xception_block2');
 * outputSize(model, 299); // => [37, 37]
 * model.dispose();
 * ```
 */
export function buildPatchDiscriminator(
  config: ModelConfigInput,
  overrides: Partial<Omit<ModelConfig, 'backbone' | 'truncateAt'>> = {},
): LayersModel {
  const resolved = resolveModelConfig(config, overrides);
  const name = modelName(resolved);
  const model = buildNetwork(resolved);
  initializeWeights(model, {
    initType: resolved.initType,
    gain: resolved.initGain,
    seed: resolved.seed,
  });
  const metadata: ModelMetadata = { whichModelNetD: name, config: resolved };
  model.setUserDefinedMetadata({ [METADATA_KEY]: metadata });
  return model;
}

/** The layer graph of a resolved config, weights as the layers create them. */
function buildNetwork(resolved: ModelConfig): LayersModel {
  registerCustomLayers();
  const name = modelName(resolved);
  if (resolved.backbone === 'xception') {
    return buildXception(resolved.truncateAt as XceptionLayer | 'full', name);
  }
  if (resolved.backbone === 'longxception') return buildLongXception(name);
  const depth = Number(resolved.backbone.slice('resnet'.length)) as ResnetDepth;
  return buildResnet(depth, resolved.truncateAt as ResnetLayer | 'full', name);
}

/**
 * The patch grid of a patch model variant on square inputs of `inputSize`: receptive field,
 * stride and offset traced from its layer graph ({@link receptiveField}), and the map side
 * ({@link outputSize}). Builds the graph to trace it and disposes it.
 *
 * @param config - A resolved config, a reference name or a typed config.
 * @param inputSize - Input side in pixels.
 * @returns The grid (`@patchfx/data`'s `PatchGrid`, e.g. for `@patchfx/segment`'s `traceCoverage`).
 * @throws For full-image classifiers, which have no patch map, and inputs too small for one
 *   patch.
 *
 * @example
 * ```ts doctest
 * import { patchGrid } from '@patchfx/models';
 * patchGrid('xception_block2', 128); // => { rf: 43, jump: 8, offset: -18, mapSize: 16 }
 * ```
 */
export function patchGrid(config: ModelConfigInput, inputSize: number): PatchGrid {
  const model = buildNetwork(resolveModelConfig(config));
  try {
    const { rf, jump, offset } = receptiveField(model);
    return { rf, jump, offset, mapSize: outputSize(model, inputSize)[0] };
  } finally {
    model.dispose();
  }
}

/**
 * The patchfx metadata of a model built by {@link buildPatchDiscriminator} or loaded from a
 * patchfx checkpoint.
 *
 * @throws When the model carries no patchfx metadata.
 */
export function getModelMetadata(model: LayersModel): ModelMetadata {
  const meta = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[
    METADATA_KEY
  ];
  if (!meta) {
    throw new Error(
      `model '${model.name}' has no patchfx metadata; build it with buildPatchDiscriminator`,
    );
  }
  return meta as ModelMetadata;
}

/** Number of trainable parameters (what PyTorch's `sum(p.numel() for p in parameters())` counts). */
export function countParams(model: LayersModel): number {
  return model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}
