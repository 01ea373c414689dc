/**
 * The model zoo of the reference (spec §1.4–§1.6): names, typed configs, their validation and
 * the input sizes the reference trains them at. A model name (`--which_model_netD`) is parsed
 * here once, at the command-line or file boundary ({@link resolveModelConfig}); past it the
 * resolved {@link ModelConfig} travels. The patch grid of a variant at a size is
 * `patchGrid` (build.ts: it traces the built layer graph).
 */

/** Layers after which a truncated Xception can stop (spec §1.4). */
export const XCEPTION_LAYERS = Object.freeze([
  'relu1',
  'relu2',
  'block1',
  'block2',
  'block3',
  'block4',
  'block5',
  'block6',
  'block7',
  'block8',
  'block9',
  'block10',
  'block11',
  'block12',
  'relu3',
  'relu4',
] as const);
export type XceptionLayer = (typeof XCEPTION_LAYERS)[number];

/** ResNet depths with torchvision layouts (BasicBlock for 18/34, Bottleneck above). */
export const RESNET_DEPTHS = Object.freeze([18, 34, 50, 101, 152] as const);
export type ResnetDepth = (typeof RESNET_DEPTHS)[number];

/** Layers after which a truncated ResNet can stop (spec §1.5). */
export const RESNET_LAYERS = Object.freeze([
  'conv1',
  'bn1',
  'relu',
  'maxpool',
  'layer1',
  'layer2',
  'layer3',
  'layer4',
] as const);
export type ResnetLayer = (typeof RESNET_LAYERS)[number];

/** Weight initialisations of the reference (`--init_type`). */
export const INIT_TYPES = Object.freeze(['xavier', 'normal', 'kaiming', 'orthogonal'] as const);
export type InitType = (typeof INIT_TYPES)[number];

/** Backbones. `longxception` is the block2-receptive-field deep variant of spec §1.6. */
export const BACKBONES = Object.freeze([
  'xception',
  'longxception',
  'resnet18',
  'resnet34',
  'resnet50',
  'resnet101',
  'resnet152',
] as const);
export type Backbone = (typeof BACKBONES)[number];

/**
 * What a model is, set at construction. JSON-serialisable: it is stored with every checkpoint.
 */
export interface ModelConfig {
  /** The backbone network. */
  readonly backbone: Backbone;
  /**
   * Last kept layer of the backbone (spec §1.4–§1.5), or `'full'` for the whole-image
   * classifier of `--model basic_discriminator`. Ignored for `longxception`.
   * @defaultValue 'full'
   */
  readonly truncateAt: XceptionLayer | ResnetLayer | 'full';
  /** Channel index of the fake class; real is `1 - fakeClassId`. @defaultValue 0 */
  readonly fakeClassId: 0 | 1;
  /** Weight initialisation. @defaultValue 'xavier' */
  readonly initType: InitType;
  /** Gain (std scale) of the initialisation. @defaultValue 0.02 */
  readonly initGain: number;
  /** Seed of the initialisation: one seed, one model. @defaultValue 0 */
  readonly seed: number;
}

/** Defaults of {@link ModelConfig}. */
export const DEFAULT_MODEL_CONFIG: Readonly<Omit<ModelConfig, 'backbone'>> = Object.freeze({
  truncateAt: 'full',
  fakeClassId: 0,
  initType: 'xavier',
  initGain: 0.02,
  seed: 0,
});

/** Every reference model name (`--which_model_netD`) that patchfx builds. */
export function listModelNames(): string[] {
  const names: string[] = [];
  for (const l of XCEPTION_LAYERS) names.push(`xception_${l}`);
  for (const d of RESNET_DEPTHS) for (const l of RESNET_LAYERS) names.push(`resnet${d}_${l}`);
  names.push('longxception', 'xception');
  for (const d of RESNET_DEPTHS) names.push(`resnet${d}`);
  return names;
}

function oneOf<T extends string | number>(
  what: string,
  allowed: readonly T[],
  value: unknown,
): asserts value is T {
  if (!allowed.includes(value as T)) {
    const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(' | ');
    throw new Error(`${what} must be one of ${list}, got ${JSON.stringify(value)}`);
  }
}

/**
 * Parses a reference model name such as `xception_block2`, `resnet18_layer1`, `longxception`,
 * `xception` or `resnet18` into the backbone and truncation point.
 *
 * @throws An error listing every valid name when `name` is not one.
 */
function parseModelName(name: string): Pick<ModelConfig, 'backbone' | 'truncateAt'> {
  const n = name.trim();
  if (n === 'longxception') return { backbone: 'longxception', truncateAt: 'full' };
  if ((BACKBONES as readonly string[]).includes(n)) {
    return { backbone: n as Backbone, truncateAt: 'full' };
  }
  const m = /^(xception|resnet\d+)_(\w+)$/.exec(n);
  if (m) {
    const [, backbone, layer] = m;
    if (backbone === 'xception' && (XCEPTION_LAYERS as readonly string[]).includes(layer)) {
      return { backbone: 'xception', truncateAt: layer as XceptionLayer };
    }
    if (
      (BACKBONES as readonly string[]).includes(backbone) &&
      isResnet(backbone as Backbone) &&
      (RESNET_LAYERS as readonly string[]).includes(layer)
    ) {
      return { backbone: backbone as Backbone, truncateAt: layer as ResnetLayer };
    }
  }
  const names = listModelNames();
  const close = names
    .map((v) => [v, editDistance(v, n)] as const)
    .filter(([, d]) => d <= 2)
    .sort((a, b) => a[1] - b[1])
    .map(([v]) => v);
  throw new Error(
    `unknown model name '${name}'` +
      (close.length ? ` (did you mean '${close[0]}'?)` : '') +
      `. Valid names: ${names.join(', ')}` +
      (/^xception_(conv|bn)\d/.test(n)
        ? ' (conv*/bn* cut points are not supported, as in the reference)'
        : ''),
  );
}

/** The reference name (`--which_model_netD`) of a config, e.g. `xception_block2`. */
export function modelName(config: Pick<ModelConfig, 'backbone' | 'truncateAt'>): string {
  if (config.backbone === 'longxception' || config.truncateAt === 'full') return config.backbone;
  return `${config.backbone}_${config.truncateAt}`;
}

/** Whether two configs are the same network (backbone and truncation; weights aside). */
export function sameArchitecture(
  a: Pick<ModelConfig, 'backbone' | 'truncateAt'>,
  b: Pick<ModelConfig, 'backbone' | 'truncateAt'>,
): boolean {
  return modelName(a) === modelName(b);
}

/** The input sizes the reference trains a variant at (spec §1.2). */
export interface ReferenceSizes {
  /** Shorter side after the resize (`--loadSize`). */
  readonly loadSize: number;
  /** Side of the crop the network sees (`--fineSize`). */
  readonly fineSize: number;
}

/**
 * The reference's input sizes per family (spec §1.2): Xception-based nets 333 → 299, ResNets
 * 256 → 224.
 */
export const REFERENCE_SIZES: Readonly<Record<'xception' | 'resnet', ReferenceSizes>> =
  Object.freeze({
    xception: Object.freeze({ loadSize: 333, fineSize: 299 }),
    resnet: Object.freeze({ loadSize: 256, fineSize: 224 }),
  });

/**
 * The input sizes the reference trains a variant at: `loadSize`/`fineSize` 333/299 for
 * `xception*` and `longxception`, 256/224 for `resnet*`.
 *
 * @param config - A resolved config (its backbone).
 * @returns The sizes in pixels.
 *
 * @example
 * ```ts doctest
 * import { referenceSizes, resolveModelConfig } from '@patchfx/models';
 * referenceSizes(resolveModelConfig('xception_block2')); // => { loadSize: 333, fineSize: 299 }
 * referenceSizes(resolveModelConfig('resnet18_layer1')); // => { loadSize: 256, fineSize: 224 }
 * ```
 */
export function referenceSizes(config: Pick<ModelConfig, 'backbone'>): ReferenceSizes {
  return REFERENCE_SIZES[isResnet(config.backbone) ? 'resnet' : 'xception'];
}

function isResnet(backbone: Backbone): boolean {
  return (RESNET_DEPTHS as readonly number[]).some((d) => backbone === `resnet${d}`);
}

/** Whether the config gives a patch map (truncated) or one prediction per image (full). */
export function isPatchModel(config: Pick<ModelConfig, 'backbone' | 'truncateAt'>): boolean {
  return config.backbone === 'longxception' || config.truncateAt !== 'full';
}

/** What {@link resolveModelConfig} accepts: a reference name or a partial typed config. */
export type ModelConfigInput = string | (Partial<ModelConfig> & { readonly backbone: Backbone });

const CONFIG_KEYS = ['backbone', 'truncateAt', 'fakeClassId', 'initType', 'initGain', 'seed'];

/**
 * Returns a complete, validated copy of a model config.
 *
 * @param input - A reference name (`'xception_block2'`) or a typed config
 *   (`{ backbone: 'xception', truncateAt: 'block2' }`).
 * @param overrides - Fields applied on top (e.g. `{ seed: 3 }`).
 * @throws When a field is unknown or out of range; the message lists the allowed values.
 */
export function resolveModelConfig(
  input: ModelConfigInput,
  overrides: Partial<Omit<ModelConfig, 'backbone' | 'truncateAt'>> = {},
): ModelConfig {
  const base = typeof input === 'string' ? parseModelName(input) : input;
  for (const key of Object.keys(base)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw new Error(`unknown model config key '${key}'; valid keys: ${CONFIG_KEYS.join(', ')}`);
    }
  }
  const config = { ...DEFAULT_MODEL_CONFIG, ...base, ...overrides } as ModelConfig;
  oneOf('backbone', BACKBONES, config.backbone);
  if (config.backbone === 'xception') {
    oneOf('truncateAt for xception', [...XCEPTION_LAYERS, 'full'], config.truncateAt);
  } else if (isResnet(config.backbone)) {
    oneOf('truncateAt for resnet', [...RESNET_LAYERS, 'full'], config.truncateAt);
  } else {
    (config as { truncateAt: string }).truncateAt = 'full';
  }
  oneOf('fakeClassId', [0, 1], config.fakeClassId);
  oneOf('initType', INIT_TYPES, config.initType);
  if (!(config.initGain > 0) || !Number.isFinite(config.initGain)) {
    throw new Error(`initGain must be a positive number, got ${config.initGain}`);
  }
  if (!Number.isInteger(config.seed))
    throw new Error(`seed must be an integer, got ${config.seed}`);
  return Object.freeze({ ...config });
}

/** Levenshtein distance, for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
