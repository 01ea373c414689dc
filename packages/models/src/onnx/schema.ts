import * as protobuf from 'protobufjs/light.js';

/**
 * The subset of the ONNX IR that the exporter writes, as a protobufjs JSON descriptor. Field
 * numbers and enum values are those of the ONNX IR specification (onnx/onnx `docs/IR.md` and
 * its `onnx.proto`, proto2 syntax: repeated scalars are written unpacked, as the reference
 * encoder writes them). Only the messages and fields patchfx emits are listed; a reader skips
 * fields it does not know, so this is a valid ONNX writer, not a full reader.
 */
const ONNX_DESCRIPTOR: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'AttributeType', id: 20 },
          },
          nested: {
            AttributeType: {
              values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            doc_string: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            doc_string: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadata_props: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            value_info: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
            doc_string: { type: 'string', id: 12 },
          },
          nested: {
            DataType: { values: { UNDEFINED: 0, FLOAT: 1, INT64: 7 } },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'Dimension', id: 1 },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: {
                dim_value: { type: 'int64', id: 1 },
                dim_param: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type'] } },
          fields: {
            tensor_type: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elem_type: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
      },
    },
  },
};

/** ONNX `TensorProto.DataType` values the exporter uses. */
export const ONNX_DATA_TYPES = Object.freeze({ FLOAT: 1, INT64: 7 } as const);

/** ONNX `AttributeProto.AttributeType` values the exporter uses. */
export const ONNX_ATTRIBUTE_TYPES = Object.freeze({ FLOAT: 1, INT: 2, INTS: 7 } as const);

/** One dimension of a value's shape: a fixed size or a symbolic name. */
export type OnnxDim = number | string;

/** An attribute of a node, as the exporter builds it. */
export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly ints?: readonly number[];
}

/** A node of the graph. */
export interface OnnxNode {
  readonly name: string;
  readonly op_type: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute?: readonly OnnxAttribute[];
}

/** A float32 initializer: little-endian `raw_data`. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data_type: number;
  readonly raw_data: Uint8Array;
}

/** A graph input or output: float32 with the given shape. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly type: {
    readonly tensor_type: {
      readonly elem_type: number;
      readonly shape: { readonly dim: readonly ({ dim_value: number } | { dim_param: string })[] };
    };
  };
}

/** The model, as {@link encodeModel} takes it (field names as in the ONNX IR). */
export interface OnnxModel {
  readonly ir_version: number;
  readonly producer_name: string;
  readonly producer_version: string;
  readonly doc_string?: string;
  readonly opset_import: readonly { readonly domain: string; readonly version: number }[];
  readonly metadata_props: readonly { readonly key: string; readonly value: string }[];
  readonly graph: {
    readonly name: string;
    readonly node: readonly OnnxNode[];
    readonly initializer: readonly OnnxTensor[];
    readonly input: readonly OnnxValueInfo[];
    readonly output: readonly OnnxValueInfo[];
  };
}

let cachedModelType: protobuf.Type | null = null;

/** The `ModelProto` message type, built from the descriptor on first use. */
function onnxModelType(): protobuf.Type {
  cachedModelType ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto');
  return cachedModelType;
}

/** Encodes a model as ONNX protobuf bytes (a `ModelProto`). */
export function encodeModel(model: OnnxModel): Uint8Array {
  const modelType = onnxModelType();
  const message = modelType.fromObject(model as unknown as Record<string, unknown>);
  return modelType.encode(message).finish();
}

/** Decodes ONNX bytes back to plain objects (field names as in the ONNX IR), for inspection. */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const modelType = onnxModelType();
  return modelType.toObject(modelType.decode(bytes), {
    longs: Number,
    bytes: Array,
    defaults: false,
  });
}

/** The header fields of an ONNX model that say what it is. */
export interface OnnxModelHeader {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  /** The default-domain opset (0 when none is imported). */
  readonly opset: number;
  readonly hasGraph: boolean;
  readonly metadata: ReadonlyMap<string, string>;
}

/**
 * Decodes the header of ONNX bytes: IR version, producer, opset and `metadata_props`. Weights
 * stay views of `bytes`.
 *
 * @throws When the bytes are not a protobuf `ModelProto`.
 */
export function decodeModelHeader(bytes: Uint8Array): OnnxModelHeader {
  const modelType = onnxModelType();
  const m = modelType.toObject(modelType.decode(bytes), { longs: Number, defaults: false }) as {
    ir_version?: number;
    producer_name?: string;
    producer_version?: string;
    opset_import?: { domain?: string; version?: number }[];
    metadata_props?: { key?: string; value?: string }[];
    graph?: unknown;
  };
  const opset = (m.opset_import ?? []).find((o) => !o.domain)?.version ?? 0;
  return {
    irVersion: m.ir_version ?? 0,
    producerName: m.producer_name ?? '',
    producerVersion: m.producer_version ?? '',
    opset,
    hasGraph: m.graph !== undefined,
    metadata: new Map((m.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };
}

/** An ONNX value's tensor type: float32 with `dims` (numbers fixed, strings symbolic). */
export function floatValue(name: string, dims: readonly OnnxDim[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: ONNX_DATA_TYPES.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })),
        },
      },
    },
  };
}
