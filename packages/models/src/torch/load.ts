/**
 * Loading the reference's PyTorch checkpoints (`<which_epoch>_net_D.pth`, spec §2.4) into
 * patchfx models. Browser-safe: works on bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildPatchDiscriminator } from '../build.js';
import { IGNORED_TORCH_SUFFIXES, inferModelNames, torchParams, type TorchParam } from './names.js';
import { readTorchFile, type TorchFileFormat } from './read.js';
import { TorchTensor } from './tensor.js';

/** Options of {@link loadTorchCheckpoint}. */
export interface LoadTorchCheckpointOptions {
  /**
   * The architecture (`--which_model_netD`), e.g. `'xception_block2'`. When omitted it is
   * inferred from the state dict's keys, which fails if they fit several names.
   */
  readonly whichModelNetD?: string;
  /** Channel index of the fake class (`--fake_class_id`). @defaultValue 0 */
  readonly fakeClassId?: 0 | 1;
  /** Names the file in error messages (a path or URL). @defaultValue 'checkpoint' */
  readonly where?: string;
}

/** A loaded PyTorch checkpoint. The caller owns `model` and must dispose it. */
export interface LoadedTorchCheckpoint {
  readonly model: LayersModel;
  /** The architecture the model was built as. */
  readonly whichModelNetD: string;
  /** The container the file used. */
  readonly format: TorchFileFormat;
  /** The checkpoint's `epoch`, when saved. */
  readonly epoch?: number;
  /** The checkpoint's `best_val_metric` (best validation `acc_D_raw`), when saved. */
  readonly bestValMetric?: number;
  /** The checkpoint's `best_val_ep`, when saved. */
  readonly bestValEpoch?: number;
  /** The other top-level keys of the checkpoint dict (e.g. `optimizer`, `scheduler`). */
  readonly otherKeys: readonly string[];
}

/** A state dict as read from a file: key → tensor (or whatever else the file holds there). */
export type TorchStateDict = ReadonlyMap<string, unknown>;

function describe(v: unknown): string {
  if (v instanceof TorchTensor) return `[${v.shape.join(', ')}]`;
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return 'a list';
  return v === null ? 'None' : typeof v;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (v instanceof TorchTensor && v.size === 1) return Number(v.data[0]);
  return undefined;
}

function isStateDict(v: unknown): v is Map<string, unknown> {
  return (
    v instanceof Map &&
    v.size > 0 &&
    [...v.entries()].every(([k, t]) => typeof k === 'string' && t instanceof TorchTensor)
  );
}

/**
 * Finds the network's state dict in a checkpoint object: the `state_dict` entry of the
 * reference's checkpoint dict (spec §2.4), or the object itself when it is a bare state dict.
 * A `module.` prefix (from `nn.DataParallel`) is removed.
 *
 * @param value - What `readTorchFile` returned.
 * @param where - Names the file in error messages.
 * @returns The state dict and the checkpoint dict it came from (or `undefined` for a bare one).
 * @throws When neither is found; the message lists the top-level keys.
 */
export function findStateDict(
  value: unknown,
  where = 'checkpoint',
): { stateDict: Map<string, unknown>; container?: ReadonlyMap<unknown, unknown> } {
  let stateDict: Map<string, unknown> | undefined;
  let container: ReadonlyMap<unknown, unknown> | undefined;
  if (value instanceof Map && value.get('state_dict') instanceof Map) {
    stateDict = value.get('state_dict') as Map<string, unknown>;
    container = value;
  } else if (isStateDict(value)) {
    stateDict = value;
  }
  if (!stateDict) {
    const what =
      value instanceof Map
        ? `a dict with keys ${[...value.keys()].map((k) => `'${String(k)}'`).join(', ') || '(none)'}`
        : describe(value);
    throw new Error(
      `${where} holds no state dict: it holds ${what}; expected the reference's checkpoint dict (with 'state_dict') or a bare state dict of tensors`,
    );
  }
  const keys = [...stateDict.keys()];
  if (keys.length && keys.every((k) => typeof k === 'string' && k.startsWith('module.'))) {
    stateDict = new Map(keys.map((k) => [k.slice('module.'.length), stateDict!.get(k)]));
  }
  // Cadene's pretrained Xception renames `fc` to `last_linear`.
  if (stateDict.has('last_linear.weight') && !stateDict.has('fc.weight')) {
    stateDict = new Map(
      [...stateDict].map(([k, v]) => [k.replace(/^last_linear\./, 'fc.'), v] as const),
    );
  }
  return { stateDict, container };
}

/** The shapes of a state dict's tensors (for {@link inferModelNames}). */
export function stateDictShapes(stateDict: TorchStateDict): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  for (const [k, v] of stateDict) if (v instanceof TorchTensor) shapes.set(k, v.shape);
  return shapes;
}

/** `data` (C order, shape `shape`) with its axes permuted: output axis i = input axis perm[i]. */
export function permuteAxes(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  const rank = shape.length;
  if (perm.every((p, i) => p === i) || data.length <= 1) return data;
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]);
  const step = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += step[d];
      if (index[d] < outShape[d]) break;
      src -= step[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

const FLOAT_DTYPES = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/**
 * Checks a state dict against a patchfx model and, if every key fits, writes the weights into
 * the model (layouts converted, spec §11). Nothing is written unless all keys fit.
 *
 * @param model - A model from `buildPatchDiscriminator`; its weights are overwritten.
 * @param stateDict - PyTorch names → tensors (see {@link findStateDict}).
 * @param where - Names the file in error messages.
 * @throws One error listing every missing, unexpected, mis-shaped or non-float key with names
 *   and shapes, and the architecture(s) the keys seem to belong to.
 */
export function assignTorchStateDict(
  model: LayersModel,
  stateDict: TorchStateDict,
  where = 'checkpoint',
): void {
  const params = torchParams(model);
  const expected = new Map<string, TorchParam>(params.map((p) => [p.torchName, p]));
  const problems: string[] = [];
  for (const p of params) {
    const t = stateDict.get(p.torchName);
    const want = `[${p.torchShape.join(', ')}]`;
    if (t === undefined) problems.push(`  missing: ${p.torchName} ${want}`);
    else if (!(t instanceof TorchTensor)) {
      problems.push(`  not a tensor: ${p.torchName} is ${describe(t)}, expected ${want}`);
    } else if (t.shape.join(',') !== p.torchShape.join(',')) {
      problems.push(
        `  wrong shape: ${p.torchName} is ${describe(t)} in the file, expected ${want}`,
      );
    } else if (!FLOAT_DTYPES.has(t.dtype)) {
      problems.push(`  wrong dtype: ${p.torchName} is ${t.dtype}, expected a float tensor`);
    }
  }
  for (const [k, v] of stateDict) {
    if (expected.has(k)) continue;
    // BatchNorm buffers patchfx does not use, of BatchNorms the model has.
    const ignored = IGNORED_TORCH_SUFFIXES.find((s) => k.endsWith(`.${s}`));
    if (ignored && expected.has(`${k.slice(0, -ignored.length - 1)}.running_mean`)) continue;
    problems.push(`  unexpected: ${k} ${describe(v)}`);
  }
  if (problems.length === 0) {
    for (const p of params) {
      const t = stateDict.get(p.torchName) as TorchTensor;
      const data = permuteAxes(t.toFloat32(), t.shape, p.perm);
      tf.tidy(() => {
        p.variable.write(tf.tensor(data, p.variable.shape as number[], 'float32'));
      });
    }
    return;
  }
  const name = model.name;
  const guesses = inferModelNames(stateDictShapes(stateDict)).filter((g) => g !== name);
  const hint = guesses.length
    ? `. The file's keys look like ${guesses.map((g) => `'${g}'`).join(' or ')}: use --which_model_netD ${guesses[0]}`
    : '';
  throw new Error(
    `cannot load ${where} as '${name}': ${problems.length} key(s) do not fit${hint}\n${problems.join('\n')}`,
  );
}

/**
 * Loads a PyTorch checkpoint of the reference (`<which_epoch>_net_D.pth`) into a new patchfx
 * model, with no Python and without running any code from the file.
 *
 * Reads `torch.save` zip archives, legacy `torch.save` files and safetensors (see
 * `readTorchFile`), finds the `state_dict` (or a bare state dict; a `module.` prefix is
 * removed), builds the model with `buildPatchDiscriminator(whichModelNetD)` and converts every
 * parameter's layout (spec §11). The model's outputs then match PyTorch's eval-mode outputs
 * (NHWC instead of NCHW).
 *
 * Input shape of the model: `[batch, h, w, 3]`, RGB in [-1, 1].
 * Output shape: `[batch, H, W, 2]` (patch models) or `[batch, 2]` (full models).
 *
 * @param bytes - The whole file (a `Uint8Array`, or an `ArrayBuffer` from `fetch`).
 * @param options - The architecture (inferred from the keys when omitted) and error naming.
 * @returns The model (owned by the caller: `model.dispose()`) and the checkpoint's `epoch`,
 *   `best_val_metric` and `best_val_ep` when present.
 * @throws When the file is not a checkpoint, names a global outside the allow-list, or its keys
 *   do not fit the architecture (one error lists every missing, unexpected and mis-shaped key,
 *   and the architecture the keys seem to hold).
 *
 * @example
 * ```ts doctest
 * import { readFileSync } from 'node:fs';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { loadTorchCheckpoint } from '@patchfx/models/torch';
 * const bytes = readFileSync('packages/models/test/fixtures/torch/xception_block1.pth');
 * const ckpt = await loadTorchCheckpoint(bytes, { whichModelNetD: 'xception_block1' });
 * ckpt.epoch; // => 7
 * const y = tf.tidy(() => ckpt.model.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor);
 * y.shape; // => [1, 15, 15, 2]
 * y.dispose();
 * ckpt.model.dispose();
 * ```
 */
export async function loadTorchCheckpoint(
  bytes: Uint8Array | ArrayBuffer,
  options: LoadTorchCheckpointOptions = {},
): Promise<LoadedTorchCheckpoint> {
  const where = options.where ?? 'checkpoint';
  const file = await readTorchFile(bytes, { where });
  const { stateDict, container } = findStateDict(file.value, where);
  let name = options.whichModelNetD ?? file.metadata.which_model_netD;
  if (!name) {
    const guesses = inferModelNames(stateDictShapes(stateDict));
    if (guesses.length !== 1) {
      const keys = [...stateDict.keys()];
      const sample = keys
        .slice(0, 8)
        .map((k) => `'${k}'`)
        .join(', ');
      throw new Error(
        guesses.length
          ? `${where}: the keys fit several models (${guesses.join(', ')}); pass which_model_netD`
          : `${where}: the state dict's keys fit no model patchfx knows (${keys.length} keys: ${sample}${keys.length > 8 ? ', …' : ''}); pass which_model_netD`,
      );
    }
    name = guesses[0];
  }
  const model = buildPatchDiscriminator(name, { fakeClassId: options.fakeClassId ?? 0 });
  try {
    assignTorchStateDict(model, stateDict, where);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const meta = (key: string) =>
    asNumber(container ? container.get(key) : file.metadata[key]) ?? undefined;
  const otherKeys = container
    ? [...container.keys()].filter((k) => k !== 'state_dict').map(String)
    : [];
  return {
    model,
    whichModelNetD: name,
    format: file.format,
    ...(meta('epoch') !== undefined ? { epoch: meta('epoch') } : {}),
    ...(meta('best_val_metric') !== undefined ? { bestValMetric: meta('best_val_metric') } : {}),
    ...(meta('best_val_ep') !== undefined ? { bestValEpoch: meta('best_val_ep') } : {}),
    otherKeys,
  };
}
