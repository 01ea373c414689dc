/**
 * Export of a patchfx model as a safetensors file with the reference's PyTorch names and
 * layouts. Browser-safe.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { getModelMetadata } from '../build.js';
import { invertPermutation } from '../layout.js';
import { permuteAxes } from './load.js';
import { torchParams } from './names.js';

/** Options of {@link encodeSafetensors}. */
export interface EncodeSafetensorsOptions {
  /** Extra `__metadata__` entries (strings). `which_model_netD` and `format` are always set. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Encodes a model's weights as a safetensors file whose keys, shapes and layouts are those of
 * the reference's PyTorch `state_dict` (conv OIHW, depthwise `(C, 1, k, k)`, Linear `(O, I)`,
 * BatchNorm `weight`/`bias`/`running_mean`/`running_var`, plus a zero `num_batches_tracked` per
 * BatchNorm so that PyTorch's strict `load_state_dict` accepts it). In Python:
 * `net.load_state_dict({k: torch.from_numpy(v) for k, v in safetensors.numpy.load_file(path).items()})`.
 *
 * @param model - A patchfx model (from `buildPatchDiscriminator` or a loaded checkpoint).
 * @returns The file's bytes. Reads the weights; disposes nothing.
 * @throws When the model has a weight without a PyTorch counterpart.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator } from '@patchfx/models';
 * import { encodeSafetensors, loadTorchCheckpoint } from '@patchfx/models/torch';
 * const model = buildPatchDiscriminator('xception_relu1');
 * const bytes = await encodeSafetensors(model);
 * const back = await loadTorchCheckpoint(bytes);
 * back.whichModelNetD; // => 'xception_relu1'
 * back.format; // => 'safetensors'
 * back.model.dispose();
 * model.dispose();
 * ```
 */
export async function encodeSafetensors(
  model: LayersModel,
  options: EncodeSafetensorsOptions = {},
): Promise<Uint8Array> {
  const params = torchParams(model);
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = (name: string, dtype: string, shape: readonly number[], bytes: Uint8Array) => {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  };
  for (const p of params) {
    const tfShape = p.variable.shape as number[];
    const data = permuteAxes(
      (await p.variable.read().data()) as Float32Array,
      tfShape,
      invertPermutation(p.perm),
    );
    add(
      p.torchName,
      'F32',
      p.torchShape,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    if (p.torchName.endsWith('.running_var')) {
      const bn = p.torchName.slice(0, -'.running_var'.length);
      add(`${bn}.num_batches_tracked`, 'I64', [], new Uint8Array(8));
    }
  }
  let whichModelNetD = model.name;
  try {
    whichModelNetD = getModelMetadata(model).whichModelNetD;
  } catch {
    // a model without patchfx metadata keeps its own name
  }
  header.__metadata__ = {
    ...options.metadata,
    format: 'pt',
    which_model_netD: whichModelNetD,
  };
  const encoder = new TextEncoder();
  const json = JSON.stringify(header);
  const pad = (8 - (encoder.encode(json).length % 8)) % 8;
  const headerBytes = encoder.encode(json + ' '.repeat(pad));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
