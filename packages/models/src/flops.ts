import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Conv2d } from './layers/conv2d.js';
import { convOutputSize, isGeometricLayer } from './layers/geometry.js';
import { SeparableConv2d } from './layers/separable-conv2d.js';

/**
 * Multiply-accumulate count ×2 (FLOPs) of the convolutions and dense layers of one forward
 * pass for one image of `inputSize` — the figure PyTorch profilers report as "convolutions
 * only" (batch norm, ReLU, pooling and additions are not counted).
 */
export function countFlops(
  model: LayersModel,
  inputSize: number | readonly [number, number],
): number {
  const [h0, w0] = typeof inputSize === 'number' ? [inputSize, inputSize] : inputSize;
  let flops = 0;
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    if (!node) continue;
    const inShape = node.inputShapes as (number | null)[] | (number | null)[][];
    const shape = (Array.isArray(inShape[0]) ? inShape[0] : inShape) as (number | null)[];
    if (!(
      layer instanceof Conv2d ||
      layer instanceof SeparableConv2d ||
      layer.getClassName() === 'Dense'
    ))
      continue;
    const cin = shape[shape.length - 1] ?? 0;
    if (layer.getClassName() === 'Dense') {
      flops += 2 * cin * (layer.getConfig().units as number);
      continue;
    }
    // Spatial size at this layer for the requested input: propagate through the symbolic graph.
    const out = layer.computeOutputShape([
      1,
      spatialAt(model, layer.name, h0),
      spatialAt(model, layer.name, w0),
      cin,
    ]) as number[];
    const [, ho, wo, cout] = out;
    if (layer instanceof Conv2d) {
      flops += 2 * layer.kernelSize * layer.kernelSize * cin * cout * ho * wo;
    } else {
      const k = (layer as SeparableConv2d).kernelSize;
      flops += 2 * k * k * cin * ho * wo + 2 * cin * cout * ho * wo;
    }
  }
  return flops;
}

/** The spatial size of the input of `layerName` along one axis for a model input of `size`. */
function spatialAt(model: LayersModel, layerName: string, size: number): number {
  const sizes = new Map<string, number>();
  for (const layer of model.layers) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    const inSize = inbound.length ? sizes.get(inbound[0].name)! : size;
    if (layer.name === layerName) return inSize;
    sizes.set(
      layer.name,
      isGeometricLayer(layer) ? convOutputSize(inSize, layer.geometry()) : inSize,
    );
  }
  throw new Error(`no layer '${layerName}' in '${model.name}'`);
}
