import { layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { BatchNorm } from '../layers/batch-norm.js';
import { Conv2d } from '../layers/conv2d.js';

/** Applies a layer to a symbolic tensor. */
export function apply(
  layer: { apply: (x: SymbolicTensor | SymbolicTensor[]) => unknown },
  x: SymbolicTensor | SymbolicTensor[],
): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

/** `relu` layer named like the PyTorch module. */
export function relu(name: string, x: SymbolicTensor): SymbolicTensor {
  return apply(layers.reLU({ name }), x);
}

/** BatchNorm named like the PyTorch module. */
export function bn(name: string, x: SymbolicTensor): SymbolicTensor {
  return apply(new BatchNorm({ name }), x);
}

/** The patch head: a 1×1 convolution with bias to 2 logits per location (`convout`). */
export function patchHead(x: SymbolicTensor, numClasses = 2): SymbolicTensor {
  return apply(
    new Conv2d({ name: 'convout', filters: numClasses, kernelSize: 1, useBias: true }),
    x,
  );
}

/** The full-image head: global average pooling then a dense layer (`fc`). */
export function fullHead(x: SymbolicTensor, numClasses = 2): SymbolicTensor {
  const pooled = apply(layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  return apply(
    layers.dense({ name: 'fc', units: numClasses, useBias: true, kernelInitializer: 'zeros' }),
    pooled,
  );
}
