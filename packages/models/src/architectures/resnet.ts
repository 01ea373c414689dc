import {
  input,
  layers,
  model,
  type LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { Conv2d } from '../layers/conv2d.js';
import { MaxPool2d } from '../layers/max-pool2d.js';
import { RESNET_LAYERS, type ResnetDepth, type ResnetLayer } from '../variants.js';
import { apply, bn, fullHead, patchHead, relu } from './common.js';

/** Blocks per stage and block type of torchvision's ResNets. */
const LAYOUTS: Readonly<Record<ResnetDepth, { blocks: readonly number[]; bottleneck: boolean }>> =
  Object.freeze({
    18: { blocks: [2, 2, 2, 2], bottleneck: false },
    34: { blocks: [3, 4, 6, 3], bottleneck: false },
    50: { blocks: [3, 4, 6, 3], bottleneck: true },
    101: { blocks: [3, 4, 23, 3], bottleneck: true },
    152: { blocks: [3, 8, 36, 3], bottleneck: true },
  });

function conv(
  name: string,
  filters: number,
  kernel: number,
  stride: number,
  pad: number,
  x: SymbolicTensor,
) {
  return apply(new Conv2d({ name, filters, kernelSize: kernel, strides: stride, padding: pad }), x);
}

/** torchvision BasicBlock (expansion 1) or Bottleneck (expansion 4, stride on the 3×3). */
function resBlock(
  name: string,
  x: SymbolicTensor,
  inPlanes: number,
  planes: number,
  stride: number,
  bottleneck: boolean,
): SymbolicTensor {
  const expansion = bottleneck ? 4 : 1;
  let y: SymbolicTensor;
  if (bottleneck) {
    y = relu(`${name}.relu1`, bn(`${name}.bn1`, conv(`${name}.conv1`, planes, 1, 1, 0, x)));
    y = relu(`${name}.relu2`, bn(`${name}.bn2`, conv(`${name}.conv2`, planes, 3, stride, 1, y)));
    y = bn(`${name}.bn3`, conv(`${name}.conv3`, planes * expansion, 1, 1, 0, y));
  } else {
    y = relu(`${name}.relu1`, bn(`${name}.bn1`, conv(`${name}.conv1`, planes, 3, stride, 1, x)));
    y = bn(`${name}.bn2`, conv(`${name}.conv2`, planes, 3, 1, 1, y));
  }
  let skip = x;
  if (stride !== 1 || inPlanes !== planes * expansion) {
    skip = bn(
      `${name}.downsample.1`,
      conv(`${name}.downsample.0`, planes * expansion, 1, stride, 0, x),
    );
  }
  return relu(`${name}.relu`, apply(layers.add({ name: `${name}.add` }), [y, skip]));
}

/**
 * Builds a truncated ResNet patch discriminator (`resnet<depth>_<layer>`, spec §1.5) or the
 * full torchvision ResNet classifier (`'full'`). Layer names follow torchvision
 * (`layer1.0.conv1`, `layer2.0.downsample.0`, …).
 *
 * Input shape: `[batch, h, w, 3]`. Output shape: `[batch, H, W, 2]` or `[batch, 2]`.
 */
export function buildResnet(
  depth: ResnetDepth,
  truncateAt: ResnetLayer | 'full',
  name: string,
): LayersModel {
  const { blocks, bottleneck } = LAYOUTS[depth];
  const stop = truncateAt === 'full' ? RESNET_LAYERS.length - 1 : RESNET_LAYERS.indexOf(truncateAt);
  const x = input({ shape: [null, null, 3], name: 'image' });
  let y = conv('conv1', 64, 7, 2, 3, x);
  const steps: Array<(t: SymbolicTensor) => SymbolicTensor> = [
    (t) => bn('bn1', t),
    (t) => relu('relu', t),
    (t) => apply(new MaxPool2d({ name: 'maxpool', poolSize: 3, strides: 2, padding: 1 }), t),
  ];
  let inPlanes = 64;
  [64, 128, 256, 512].forEach((planes, stage) => {
    steps.push((t) => {
      let z = t;
      for (let b = 0; b < blocks[stage]; b++) {
        const stride = b === 0 && stage > 0 ? 2 : 1;
        z = resBlock(`layer${stage + 1}.${b}`, z, inPlanes, planes, stride, bottleneck);
        inPlanes = planes * (bottleneck ? 4 : 1);
      }
      return z;
    });
  });
  for (let i = 1; i <= stop; i++) y = steps[i - 1](y);
  const out = truncateAt === 'full' ? fullHead(y) : patchHead(y);
  return model({ inputs: x, outputs: out, name });
}
