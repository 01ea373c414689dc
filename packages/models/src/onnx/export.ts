import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { getModelMetadata } from '../build.js';
import { PATCHFX_VERSION } from '../detector/version.js';
import { convFoldAt, foldedPointwise, pointwiseKernel } from '../fold/conv-fold.js';
import { foldIntoKernel } from '../fold/fold-weights.js';
import { layerGraph, type GraphNode, type LayerGraph } from '../fold/graph.js';
import { asBatchNorm, isRelu, weightOf } from '../fold/recognise.js';
import type { DetectorCalibration } from '../detector/decision.js';
import { NORMALIZATION, type CheckpointPreprocessing } from '../io/checkpoint.js';
import { TFJS_TO_TORCH } from '../layout.js';
import { MaxPool2d } from '../layers/max-pool2d.js';
import { receptiveField } from '../receptive-field.js';
import { isPatchModel, referenceSizes } from '../variants.js';
import {
  encodeModel,
  floatValue,
  ONNX_ATTRIBUTE_TYPES,
  ONNX_DATA_TYPES,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxNode,
  type OnnxTensor,
} from './schema.js';

/** The ONNX operator set the exporter targets (default domain). */
export const ONNX_OPSET = 13;

/** The ONNX IR version of the files it writes (IR 7: what opset 13 came with). */
export const ONNX_IR_VERSION = 7;

/** Names of the graph's input and output. */
export const ONNX_IO_NAMES = Object.freeze({ input: 'input', output: 'logits' } as const);

/** Keys of the `metadata_props` the exporter writes. */
export const ONNX_METADATA_KEYS = Object.freeze({
  /** The reference model name, e.g. `xception_block2`. */
  whichModelNetD: 'patchfx.which_model_netD',
  /** The output channel of the fake class (`0` or `1`); real is the other one. */
  fakeClassId: 'patchfx.fake_class_id',
  /** JSON `{ scale, mean, std }`: the input is `(rgb / scale − mean) / std`, i.e. in [-1, 1]. */
  normalization: 'patchfx.normalization',
  /** JSON `{ rf, jump, offset }` (patch models): the input window of each output location. */
  receptiveField: 'patchfx.receptive_field',
  /** JSON of the model's construction config (`ModelConfig`). */
  modelConfig: 'patchfx.model_config',
  /** JSON of the checkpoint's preprocessing (`loadSize`, `fineSize`, …), when given. */
  preprocessing: 'patchfx.preprocessing',
  /** JSON of the checkpoint's calibration (`DetectorCalibration`), when given. */
  calibration: 'patchfx.calibration',
} as const);

/** Per-call options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /**
   * The preprocessing the model was trained with (a checkpoint's), recorded in the file's
   * metadata; it also fixes the input side of full-image models (`fineSize`).
   * @defaultValue none recorded; full-image models take the reference size of their backbone
   */
  readonly preprocessing?: CheckpointPreprocessing;
  /**
   * The checkpoint's calibration (its `manifest.calibration`), recorded in the file's metadata
   * so that a detector loading the file decides as it would from the checkpoint.
   * @defaultValue none recorded
   */
  readonly calibration?: DetectorCalibration;
}

const { FLOAT, INT, INTS } = ONNX_ATTRIBUTE_TYPES;
const ints = (name: string, values: readonly number[]): OnnxAttribute => ({
  name,
  type: INTS,
  ints: values,
});
const int = (name: string, i: number): OnnxAttribute => ({ name, type: INT, i });

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Float32 values as little-endian bytes (ONNX `raw_data`): a copy. */
function float32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) {
    return new Uint8Array(
      values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength),
    );
  }
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** Builds the ONNX nodes and initializers of a layer graph. */
class GraphWriter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Map<number, string>();

  constructor(graph: LayerGraph) {
    this.names.set(graph.input, ONNX_IO_NAMES.input);
    this.names.set(graph.output, ONNX_IO_NAMES.output);
  }

  /** The ONNX name of a symbolic tensor (named after the last layer that wrote it). */
  tensor(id: number, writer?: GraphNode): string {
    let name = this.names.get(id);
    if (name === undefined) {
      if (!writer) throw new Error(`onnx export: tensor ${id} is read before it is written`);
      name = writer.outputs.length === 1 ? writer.layer.name : `${writer.layer.name}:${id}`;
      this.names.set(id, name);
    }
    return name;
  }

  /** Adds float32 initializers `names[i]` = `make()[i]` (made in a tidy; freed once copied). */
  weights(names: readonly string[], make: () => tf.Tensor[]): string[] {
    const ts = tf.tidy(make);
    try {
      ts.forEach((t, i) =>
        this.initializers.push({
          name: names[i],
          dims: t.shape,
          data_type: ONNX_DATA_TYPES.FLOAT,
          raw_data: float32Bytes(t.dataSync() as Float32Array),
        }),
      );
    } finally {
      tf.dispose(ts);
    }
    return names.slice(0, ts.length);
  }

  node(
    name: string,
    opType: string,
    input: readonly string[],
    output: string,
    attribute?: OnnxAttribute[],
  ): string {
    this.nodes.push({ name, op_type: opType, input, output: [output], attribute });
    return output;
  }

  /**
   * A convolution node. `make` gives its kernel in ONNX's OIHW layout (`[out, in / group, k, k]`)
   * and its bias, or none.
   */
  conv(
    name: string,
    x: string,
    out: string,
    make: () => { kernel: tf.Tensor4D; bias: tf.Tensor1D | null },
    geometry: { kernel: number; stride: number; pad: number; group?: number },
  ): string {
    const inputs = this.weights([`${name}.weight`, `${name}.bias`], () => {
      const { kernel, bias } = make();
      return bias ? [kernel, bias] : [kernel];
    });
    const { kernel: k, stride: s, pad: p } = geometry;
    return this.node(name, 'Conv', [x, ...inputs], out, [
      ints('kernel_shape', [k, k]),
      ints('strides', [s, s]),
      ints('pads', [p, p, p, p]),
      ints('dilations', [1, 1]),
      int('group', geometry.group ?? 1),
    ]);
  }
}

/** tfjs's HWIO kernel `[k, k, in, out]` in ONNX's OIHW layout `[out, in, k, k]`. */
const oihw = (kernel: tf.Tensor4D): tf.Tensor4D => tf.transpose(kernel, [...TFJS_TO_TORCH.conv]);

/** Writes one layer call (and the BatchNorm it absorbs); returns the absorbed calls. */
function writeNode(w: GraphWriter, graph: LayerGraph, node: GraphNode): readonly GraphNode[] {
  const { layer } = node;
  const name = layer.name;
  // BatchNorms fold as in foldBatchNorm; ReLUs stay nodes of their own.
  const fold = convFoldAt(graph, node, { fuseRelu: false });
  if (fold) {
    const { conv, absorbed } = fold;
    const bn = fold.bn?.weights;
    const x = w.tensor(node.inputs[0]);
    const out = w.tensor(
      fold.outputs[0],
      absorbed.length > 0 ? absorbed[absorbed.length - 1] : node,
    );
    if (conv.kind === 'conv') {
      w.conv(
        name,
        x,
        out,
        () => {
          const f = bn ? foldIntoKernel(conv.kernel, conv.bias, bn) : conv;
          return { kernel: oihw(f.kernel), bias: f.bias && tf.clone(f.bias) };
        },
        { kernel: conv.kernelSize, stride: conv.strides, pad: conv.padding },
      );
      return absorbed;
    }
    let y = x;
    if (!conv.pointwiseOnly) {
      const channels = conv.depthwise.shape[2];
      // Depthwise [k, k, C, 1] → [C, 1, k, k] with group = C.
      y = w.conv(
        `${name}.depthwise`,
        x,
        `${name}.depthwise`,
        () => ({ kernel: tf.transpose(conv.depthwise, [...TFJS_TO_TORCH.depthwise]), bias: null }),
        { kernel: conv.kernelSize, stride: 1, pad: conv.padding, group: channels },
      );
    }
    w.conv(
      `${name}.pointwise`,
      y,
      out,
      () => {
        const f = bn ? foldedPointwise(conv, bn) : { kernel: pointwiseKernel(conv), bias: null };
        return { kernel: oihw(f.kernel), bias: f.bias };
      },
      { kernel: 1, stride: 1, pad: 0 },
    );
    return absorbed;
  }

  const x = node.inputs.map((id) => w.tensor(id));
  const out = w.tensor(node.outputs[0], node);
  const className = layer.getClassName();
  const bn = asBatchNorm(layer);
  if (bn) {
    w.node(
      name,
      'BatchNormalization',
      [
        x[0],
        ...w.weights(
          [`${name}.weight`, `${name}.bias`, `${name}.running_mean`, `${name}.running_var`],
          () => [bn.gamma, bn.beta, bn.movingMean, bn.movingVariance].map((t) => tf.clone(t)),
        ),
      ],
      out,
      [{ name: 'epsilon', type: FLOAT, f: bn.epsilon }],
    );
  } else if (isRelu(layer)) {
    w.node(name, 'Relu', x, out);
  } else if (className === MaxPool2d.className) {
    const c = layer.getConfig();
    const [k, s, p] = [c.poolSize, c.strides, c.padding].map(Number);
    w.node(name, 'MaxPool', x, out, [
      ints('kernel_shape', [k, k]),
      ints('strides', [s, s]),
      ints('pads', [p, p, p, p]),
    ]);
  } else if (className === 'Add') {
    w.node(name, x.length === 2 ? 'Add' : 'Sum', x, out);
  } else if (className === 'GlobalAveragePooling2D') {
    const pooled = w.node(name, 'GlobalAveragePool', x, `${name}.pooled`);
    w.node(`${name}.flatten`, 'Flatten', [pooled], out, [int('axis', 1)]);
  } else if (className === 'Dense' && (layer.getConfig().activation ?? 'linear') === 'linear') {
    const kernel = weightOf(layer, 'kernel');
    const bias = layer.getConfig().useBias ? weightOf(layer, 'bias') : null;
    if (!kernel) throw new Error(`onnx export: dense layer '${name}' has no kernel`);
    // Gemm: Y = X·B + C with B = the [in, units] kernel as it is (transB = 0).
    const params = w.weights([`${name}.weight`, `${name}.bias`], () =>
      (bias ? [kernel, bias] : [kernel]).map((t) => tf.clone(t)),
    );
    w.node(name, 'Gemm', [x[0], ...params], out);
  } else {
    throw new Error(
      `onnx export: layer '${name}' (${className}) has no ONNX mapping; exportOnnx takes the models buildPatchDiscriminator builds`,
    );
  }
  return [];
}

/**
 * Exports a patchfx model as an ONNX model (a serialised `ModelProto`), for inference with
 * onnxruntime (Node, browsers, Python) or any ONNX runtime. Training stays on tfjs.
 *
 * The graph is NCHW: input `input` float32 `[batch, 3, height, width]`, RGB normalised to
 * [-1, 1] as for the tfjs model (`(rgb / 255 − 0.5) / 0.5`, stated in the metadata);
 * `batch` (and, for patch models, `height` and `width`) are symbolic. Output `logits`:
 * `[batch, 2, H, W]` for patch models (the tfjs model's NHWC output, transposed; channel
 * `fakeClassId` is fake), `[batch, 2]` for full-image models, whose input side is fixed to
 * `preprocessing.fineSize` (else the reference size of the backbone). Every BatchNorm that
 * follows a convolution is folded into it (as `foldBatchNorm` does); any other is a
 * `BatchNormalization` node. Opset {@link ONNX_OPSET}, IR version {@link ONNX_IR_VERSION};
 * weights are little-endian float32 `raw_data`.
 *
 * `metadata_props` hold the model name, the fake class, the normalisation, the receptive field
 * (patch models), the model config and, when given, the preprocessing (keys in
 * {@link ONNX_METADATA_KEYS}); `producer_name` is `patchfx`.
 *
 * @param model - A model from `buildPatchDiscriminator` or a loaded patchfx checkpoint.
 * @param options - See {@link OnnxExportOptions}.
 * @returns The ONNX file's bytes.
 * @throws When the model is not a patchfx model (no metadata, or a layer with no ONNX
 *   mapping) or was disposed.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator } from '@patchfx/models';
 * import { exportOnnx } from '@patchfx/models/onnx';
 * const model = buildPatchDiscriminator('xception_relu1', { seed: 1 });
 * const bytes = exportOnnx(model);
 * bytes.length > 1000; // => true
 * model.dispose();
 * ```
 */
export function exportOnnx(model: LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const meta = getModelMetadata(model);
  try {
    for (const v of model.weights) v.read();
  } catch (e) {
    throw new Error(`onnx export: model '${model.name}' was disposed (${(e as Error).message})`);
  }
  const graph = layerGraph(model);
  const patch = isPatchModel(meta.config);
  const { preprocessing } = options;
  const writer = new GraphWriter(graph);
  const absorbed = new Set<GraphNode>();
  for (const node of graph.nodes) {
    if (absorbed.has(node)) continue;
    for (const taken of writeNode(writer, graph, node)) absorbed.add(taken);
  }

  const channels = model.inputs[0].shape[3] ?? 3;
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 2;
  const side = preprocessing?.fineSize ?? referenceSizes(meta.config).fineSize;
  const inputDims: OnnxDim[] = patch
    ? ['batch', channels, 'height', 'width']
    : ['batch', channels, side, side];
  const outputDims: OnnxDim[] = patch
    ? ['batch', classes, 'logits_height', 'logits_width']
    : ['batch', classes];

  const K = ONNX_METADATA_KEYS;
  const metadata: [string, string][] = [
    [K.whichModelNetD, meta.whichModelNetD],
    [K.fakeClassId, String(meta.config.fakeClassId)],
    [K.normalization, JSON.stringify(preprocessing?.normalization ?? NORMALIZATION)],
  ];
  if (patch) metadata.push([K.receptiveField, JSON.stringify(receptiveField(model))]);
  metadata.push([K.modelConfig, JSON.stringify(meta.config)]);
  if (preprocessing) metadata.push([K.preprocessing, JSON.stringify(preprocessing)]);
  if (options.calibration) metadata.push([K.calibration, JSON.stringify(options.calibration)]);

  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    producer_name: 'patchfx',
    producer_version: PATCHFX_VERSION,
    doc_string: `patchfx ${meta.whichModelNetD}: input NCHW RGB in [-1, 1]; output logits, channel ${meta.config.fakeClassId} = fake`,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    metadata_props: metadata.map(([key, value]) => ({ key, value })),
    graph: {
      name: model.name,
      node: writer.nodes,
      initializer: writer.initializers,
      input: [floatValue(ONNX_IO_NAMES.input, inputDims)],
      output: [floatValue(ONNX_IO_NAMES.output, outputDims)],
    },
  });
}
