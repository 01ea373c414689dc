/**
 * The correspondence between patchfx weights and the reference's PyTorch parameter names and
 * layouts (spec §1.3, §1.5, §11). Browser-safe; no tensors.
 */
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { invertPermutation, TORCH_TO_TFJS } from '../layout.js';
import { RESNET_DEPTHS } from '../variants.js';

/** How one patchfx weight is stored in a PyTorch state dict. */
export interface TorchParam {
  /** The PyTorch state-dict key, e.g. `block2.rep.1.conv1.weight`. */
  readonly torchName: string;
  /** The shape PyTorch uses, e.g. `[256, 1, 3, 3]`. */
  readonly torchShape: readonly number[];
  /**
   * Axis permutation from the PyTorch layout to the patchfx one: patchfx axis `i` is PyTorch
   * axis `perm[i]` (conv OIHW → HWIO is `[2, 3, 1, 0]`).
   */
  readonly perm: readonly number[];
  /** The patchfx weight (`layer/name`). */
  readonly variable: LayerVariable;
}

/** BatchNorm buffers PyTorch saves that patchfx does not use. */
export const IGNORED_TORCH_SUFFIXES = Object.freeze(['num_batches_tracked'] as const);

const BN_NAMES: Readonly<Record<string, string>> = Object.freeze({
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
});

/**
 * Lists every weight of a patchfx model with its PyTorch name, PyTorch shape and the axis
 * permutation between the two layouts (spec §11, `TORCH_TO_TFJS`):
 * conv kernels OIHW → HWIO, depthwise `(C, 1, k, k)` → `(k, k, C, 1)` (PyTorch submodule
 * `conv1`), pointwise `(O, I, 1, 1)` → `(1, 1, I, O)` (submodule `pointwise`), Linear `(O, I)` →
 * `(I, O)`, BatchNorm `weight`/`bias`/`running_mean`/`running_var` → `gamma`/`beta`/
 * `moving_mean`/`moving_variance`.
 *
 * @param model - A model from `buildPatchDiscriminator`.
 * @returns One entry per weight, in model order.
 * @throws When the model has a weight patchfx cannot name in PyTorch terms.
 */
export function torchParams(model: LayersModel): TorchParam[] {
  return model.weights.map((variable) => {
    const full = variable.originalName;
    const slash = full.lastIndexOf('/');
    const layer = full.slice(0, slash);
    const weight = full.slice(slash + 1);
    const shape = variable.shape as number[];
    const param = (suffix: string, perm: readonly number[]): TorchParam => ({
      torchName: `${layer}.${suffix}`,
      torchShape: invertPermutation(perm).map((axis) => shape[axis]),
      perm,
      variable,
    });
    const L = TORCH_TO_TFJS;
    if (weight in BN_NAMES) return param(BN_NAMES[weight], L.vector);
    switch (weight) {
      case 'bias':
        return param('bias', L.vector);
      case 'kernel':
        if (shape.length === 4) return param('weight', L.conv);
        if (shape.length === 2) return param('weight', L.linear);
        break;
      case 'depthwise_kernel':
        return param('conv1.weight', L.depthwise);
      case 'pointwise_kernel':
        return param('pointwise.weight', L.conv);
    }
    throw new Error(`patchfx weight '${full}' [${shape}] has no PyTorch counterpart`);
  });
}

/**
 * Guesses which reference models (`--which_model_netD`) a state dict's keys belong to, from
 * the key names and a few shapes. Several names come back where the weights cannot tell them
 * apart (e.g. `resnet18_bn1`, `resnet18_relu` and `resnet18_maxpool` share their weights).
 *
 * @param shapes - State-dict key → shape (without a `module.` prefix).
 * @returns Candidate names, best first; empty when the keys match no known layout.
 */
export function inferModelNames(shapes: ReadonlyMap<string, readonly number[]>): string[] {
  const keys = [...shapes.keys()];
  const has = (re: RegExp) => keys.some((k) => re.test(k));
  const maxIndex = (re: RegExp) =>
    keys.reduce((m, k) => {
      const hit = re.exec(k);
      return hit ? Math.max(m, Number(hit[1])) : m;
    }, -1);
  const full = has(/^(fc|last_linear)\.weight$/);
  if (has(/^pblock\d+\./)) return ['longxception'];
  if (has(/^block\d+\.(rep|skip)/) || shapes.get('conv1.weight')?.[0] === 32) {
    if (full) return ['xception'];
    if (has(/^conv4\./)) return ['xception_relu4'];
    if (has(/^conv3\./)) return ['xception_relu3'];
    const block = maxIndex(/^block(\d+)\./);
    if (block > 0) return [`xception_block${block}`];
    return has(/^(conv2|bn2)\./) ? ['xception_relu2'] : ['xception_relu1'];
  }
  if (has(/^layer\d\./) || shapes.get('conv1.weight')?.[2] === 7) {
    const bottleneck = has(/^layer\d\.\d+\.conv3\./);
    const stages = [1, 2, 3, 4].map((s) => maxIndex(new RegExp(`^layer${s}\\.(\\d+)\\.`)) + 1);
    const layouts: Record<number, number[]> = {
      18: [2, 2, 2, 2],
      34: [3, 4, 6, 3],
      50: [3, 4, 6, 3],
      101: [3, 4, 23, 3],
      152: [3, 8, 36, 3],
    };
    // A stem alone (conv1/bn1) is the same for every depth.
    const stemOnly = stages.every((n) => n === 0);
    const depths = RESNET_DEPTHS.filter(
      (d) =>
        stemOnly ||
        (d >= 50 === bottleneck && stages.every((n, i) => n === 0 || n === layouts[d][i])),
    );
    const last = stages.reduce((m, n, i) => (n > 0 ? i + 1 : m), 0);
    const heads = full
      ? ['']
      : last > 0
        ? [`_layer${last}`]
        : has(/^bn1\./)
          ? ['_bn1', '_relu', '_maxpool']
          : ['_conv1'];
    return depths.flatMap((d) => heads.map((h) => `resnet${d}${h}`));
  }
  return [];
}
