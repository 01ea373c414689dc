import {
  input,
  layers,
  model,
  type LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { Conv2d } from '../layers/conv2d.js';
import { MaxPool2d } from '../layers/max-pool2d.js';
import { SeparableConv2d } from '../layers/separable-conv2d.js';
import { XCEPTION_LAYERS, type XceptionLayer } from '../variants.js';
import { apply, bn, fullHead, patchHead, relu } from './common.js';

interface BlockSpec {
  readonly inFilters: number;
  readonly outFilters: number;
  readonly reps: number;
  readonly stride: number;
  readonly startWithRelu: boolean;
  readonly growFirst: boolean;
  /** Separable kernel size (1 for the PixelBlocks of `longxception`). */
  readonly kernel?: number;
}

/** Xception's residual block (Cadene `Block`); layer names follow `blockN.rep.I`. */
function block(name: string, spec: BlockSpec, x: SymbolicTensor): SymbolicTensor {
  const k = spec.kernel ?? 3;
  const pad = k === 1 ? 0 : 1;
  type Op = ['relu'] | ['sep', number] | ['bn'] | ['pool'];
  const ops: Op[] = [];
  let filters = spec.inFilters;
  if (spec.growFirst) {
    ops.push(['relu'], ['sep', spec.outFilters], ['bn']);
    filters = spec.outFilters;
  }
  for (let i = 0; i < spec.reps - 1; i++) ops.push(['relu'], ['sep', filters], ['bn']);
  if (!spec.growFirst) ops.push(['relu'], ['sep', spec.outFilters], ['bn']);
  if (!spec.startWithRelu) ops.shift();
  if (spec.stride !== 1) ops.push(['pool']);

  let y = x;
  ops.forEach((op, i) => {
    const n = `${name}.rep.${i}`;
    if (op[0] === 'relu') y = relu(n, y);
    else if (op[0] === 'sep')
      y = apply(new SeparableConv2d({ name: n, filters: op[1], kernelSize: k, padding: pad }), y);
    else if (op[0] === 'bn') y = bn(n, y);
    else y = apply(new MaxPool2d({ name: n, poolSize: 3, strides: spec.stride, padding: 1 }), y);
  });

  let skip = x;
  if (spec.outFilters !== spec.inFilters || spec.stride !== 1) {
    skip = apply(
      new Conv2d({
        name: `${name}.skip`,
        filters: spec.outFilters,
        kernelSize: 1,
        strides: spec.stride,
      }),
      x,
    );
    skip = bn(`${name}.skipbn`, skip);
  }
  return apply(layers.add({ name: `${name}.add` }), [y, skip]);
}

const BLOCKS: Readonly<Record<string, BlockSpec>> = Object.freeze({
  block1: {
    inFilters: 64,
    outFilters: 128,
    reps: 2,
    stride: 2,
    startWithRelu: false,
    growFirst: true,
  },
  block2: {
    inFilters: 128,
    outFilters: 256,
    reps: 2,
    stride: 2,
    startWithRelu: true,
    growFirst: true,
  },
  block3: {
    inFilters: 256,
    outFilters: 728,
    reps: 2,
    stride: 2,
    startWithRelu: true,
    growFirst: true,
  },
  ...Object.fromEntries(
    [4, 5, 6, 7, 8, 9, 10, 11].map((i) => [
      `block${i}`,
      { inFilters: 728, outFilters: 728, reps: 3, stride: 1, startWithRelu: true, growFirst: true },
    ]),
  ),
  block12: {
    inFilters: 728,
    outFilters: 1024,
    reps: 2,
    stride: 2,
    startWithRelu: true,
    growFirst: false,
  },
});

/**
 * Runs the Xception trunk on `x` up to and including `last` (spec §1.3).
 * `'full'` runs through `bn4` and the final ReLU.
 */
function xceptionTrunk(x: SymbolicTensor, last: XceptionLayer | 'full'): SymbolicTensor {
  const stopIndex = last === 'full' ? XCEPTION_LAYERS.length - 1 : XCEPTION_LAYERS.indexOf(last);
  const keep = (l: XceptionLayer) => XCEPTION_LAYERS.indexOf(l) <= stopIndex;
  let y = apply(
    new Conv2d({ name: 'conv1', filters: 32, kernelSize: 3, strides: 2, padding: 0 }),
    x,
  );
  y = relu('relu1', bn('bn1', y));
  if (!keep('relu2')) return y;
  y = apply(new Conv2d({ name: 'conv2', filters: 64, kernelSize: 3, strides: 1, padding: 0 }), y);
  y = relu('relu2', bn('bn2', y));
  for (let i = 1; i <= 12; i++) {
    const name = `block${i}` as XceptionLayer;
    if (!keep(name)) return y;
    y = block(name, BLOCKS[name], y);
  }
  if (!keep('relu3')) return y;
  y = apply(new SeparableConv2d({ name: 'conv3', filters: 1536, kernelSize: 3, padding: 1 }), y);
  y = relu('relu3', bn('bn3', y));
  if (!keep('relu4')) return y;
  y = apply(new SeparableConv2d({ name: 'conv4', filters: 2048, kernelSize: 3, padding: 1 }), y);
  return relu('relu4', bn('bn4', y));
}

/**
 * Builds a truncated Xception patch discriminator (`xception_<layer>`, spec §1.4) or, with
 * `'full'`, the whole-image Xception classifier (spec §1.6). Weights are zero: initialise them
 * with `initializeWeights` (done by `buildPatchDiscriminator`).
 *
 * Input shape: `[batch, h, w, 3]` in [-1, 1], any h, w large enough.
 * Output shape: patch models `[batch, H, W, 2]` logits; full model `[batch, 2]`.
 */
export function buildXception(truncateAt: XceptionLayer | 'full', name: string): LayersModel {
  const x = input({ shape: [null, null, 3], name: 'image' });
  const trunk = xceptionTrunk(x, truncateAt);
  const out = truncateAt === 'full' ? fullHead(trunk) : patchHead(trunk);
  return model({ inputs: x, outputs: out, name });
}

/**
 * `longxception` (spec §1.6): Xception to `block2`, then two PixelBlocks (all separable
 * convolutions 1×1) that deepen the net without growing its receptive field (43 px).
 */
export function buildLongXception(name: string): LayersModel {
  const x = input({ shape: [null, null, 3], name: 'image' });
  let y = xceptionTrunk(x, 'block2');
  y = block(
    'pblock3',
    {
      inFilters: 256,
      outFilters: 728,
      reps: 2,
      stride: 1,
      startWithRelu: true,
      growFirst: true,
      kernel: 1,
    },
    y,
  );
  y = block(
    'pblock4',
    {
      inFilters: 728,
      outFilters: 728,
      reps: 3,
      stride: 1,
      startWithRelu: true,
      growFirst: true,
      kernel: 1,
    },
    y,
  );
  return model({ inputs: x, outputs: patchHead(y), name });
}
