/**
 * `tf.train.Example` — the record of TensorFlow datasets: a map of named features, each a list
 * of byte strings, floats or 64-bit integers — decoded and encoded with protobufjs, and the
 * image record of the Progressive GAN / StyleGAN `dataset_tool.py` (`shape` [C, H, W], `data`
 * uint8 CHW), which CelebA-HQ's and FFHQ's TFRecords hold. Browser-safe.
 */
import * as protobuf from 'protobufjs/light.js';
import { createImage, type RgbImage } from '../image.js';
import { TfRecordError, type TfRecord } from './reader.js';

/**
 * `tensorflow/core/example/{example,feature}.proto` as a protobufjs JSON descriptor: field
 * numbers as there; the numeric lists are packed, as proto3 writes them (a reader takes both).
 */
const EXAMPLE_DESCRIPTOR: protobuf.INamespace = {
  nested: {
    tensorflow: {
      nested: {
        BytesList: { fields: { value: { rule: 'repeated', type: 'bytes', id: 1 } } },
        FloatList: {
          fields: { value: { rule: 'repeated', type: 'float', id: 1, options: { packed: true } } },
        },
        Int64List: {
          fields: { value: { rule: 'repeated', type: 'int64', id: 1, options: { packed: true } } },
        },
        Feature: {
          oneofs: { kind: { oneof: ['bytes_list', 'float_list', 'int64_list'] } },
          fields: {
            bytes_list: { type: 'BytesList', id: 1 },
            float_list: { type: 'FloatList', id: 2 },
            int64_list: { type: 'Int64List', id: 3 },
          },
        },
        Features: {
          fields: { feature: { keyType: 'string', type: 'Feature', id: 1 } as protobuf.IMapField },
        },
        Example: { fields: { features: { type: 'Features', id: 1 } } },
      },
    },
  },
};

let cachedExampleType: protobuf.Type | null = null;

/** The `tensorflow.Example` message type, built from the descriptor on first use. */
function exampleType(): protobuf.Type {
  cachedExampleType ??= protobuf.Root.fromJSON(EXAMPLE_DESCRIPTOR).lookupType('tensorflow.Example');
  return cachedExampleType;
}

/**
 * One feature of a `tf.train.Example`: a list of byte strings (`bytes_list`), of 32-bit floats
 * (`float_list`) or of 64-bit integers (`int64_list`), or `none` for a feature with no list set.
 * int64 values are JavaScript numbers: exact up to 2^53 − 1 in magnitude; {@link decodeExample}
 * refuses larger ones rather than round them.
 */
export type ExampleFeature =
  | { readonly kind: 'bytes'; readonly values: readonly Uint8Array[] }
  | { readonly kind: 'float'; readonly values: readonly number[] }
  | { readonly kind: 'int64'; readonly values: readonly number[] }
  | { readonly kind: 'none'; readonly values: readonly [] };

/** The features of a `tf.train.Example`, by name. */
export type ExampleFeatures = Readonly<Record<string, ExampleFeature>>;

interface DecodedFeature {
  bytes_list?: { value?: Uint8Array[] };
  float_list?: { value?: number[] };
  int64_list?: { value?: string[] };
}

/**
 * Decodes a serialised `tf.train.Example` (a TFRecord's data).
 *
 * @param bytes - The message. Byte features are views of it (not copies).
 * @returns Its features, by name.
 * @throws When the bytes are not an `Example`, or an int64 value is beyond ±(2^53 − 1).
 *
 * @example
 * ```ts doctest
 * import { decodeExample, encodeExample } from '@patchfx/data/tfrecord';
 * const bytes = encodeExample({
 *   label: { kind: 'int64', values: [7] },
 *   name: { kind: 'bytes', values: [new TextEncoder().encode('a.png')] },
 * });
 * decodeExample(bytes).label; // => { kind: 'int64', values: [7] }
 * ```
 */
export function decodeExample(bytes: Uint8Array): ExampleFeatures {
  const type = exampleType();
  let object: { features?: { feature?: Record<string, DecodedFeature> } };
  try {
    object = type.toObject(type.decode(bytes), { longs: String, defaults: false }) as typeof object;
  } catch (e) {
    throw new Error(`not a tf.train.Example (${(e as Error).message})`);
  }
  const out: Record<string, ExampleFeature> = {};
  for (const [name, f] of Object.entries(object.features?.feature ?? {})) {
    if (f.bytes_list) out[name] = { kind: 'bytes', values: f.bytes_list.value ?? [] };
    else if (f.float_list) out[name] = { kind: 'float', values: f.float_list.value ?? [] };
    else if (f.int64_list) {
      out[name] = {
        kind: 'int64',
        values: (f.int64_list.value ?? []).map((s) => {
          const v = Number(s);
          if (!Number.isSafeInteger(v)) {
            throw new Error(
              `int64 feature '${name}' holds ${s}, beyond what a JavaScript number holds exactly (±(2^53 − 1))`,
            );
          }
          return v;
        }),
      };
    } else out[name] = { kind: 'none', values: [] };
  }
  return out;
}

/**
 * Encodes features as a serialised `tf.train.Example`, for writing your own TFRecords (frame it
 * with {@link encodeTfRecord}).
 *
 * @param features - The features, by name (int64 values must be integers within ±(2^53 − 1)).
 * @returns The message's bytes.
 * @throws When an int64 value is not such an integer.
 */
export function encodeExample(features: ExampleFeatures): Uint8Array {
  const feature: Record<string, DecodedFeature | Record<string, never>> = {};
  for (const [name, f] of Object.entries(features)) {
    switch (f.kind) {
      case 'bytes':
        feature[name] = { bytes_list: { value: [...f.values] } };
        break;
      case 'float':
        feature[name] = { float_list: { value: [...f.values] } };
        break;
      case 'int64':
        for (const v of f.values) {
          if (!Number.isSafeInteger(v)) {
            throw new Error(
              `int64 feature '${name}' must hold integers within ±(2^53 − 1), got ${v}`,
            );
          }
        }
        feature[name] = { int64_list: { value: f.values.map(String) } };
        break;
      default:
        feature[name] = {};
    }
  }
  const type = exampleType();
  return type.encode(type.fromObject({ features: { feature } })).finish();
}

/**
 * The image of a Progressive GAN / StyleGAN `dataset_tool.py` record (the TFRecords of
 * CelebA-HQ and FFHQ): `shape` (int64 [C, H, W]) and `data` (bytes, uint8, channels first).
 * Three channels are RGB; one channel is grey and becomes RGB with R = G = B, as PIL's
 * `convert('RGB')` does.
 *
 * @param features - A decoded example ({@link decodeExample}).
 * @returns The image (interleaved RGB, a new buffer).
 * @throws When `shape` or `data` is missing or of the wrong kind, `shape` is not [C, H, W] with
 *   C 1 or 3, or `data` does not hold C·H·W bytes.
 *
 * @example
 * ```ts doctest
 * import { createImage } from '@patchfx/data';
 * import { exampleToImage, imageToExample } from '@patchfx/data/tfrecord';
 * const image = createImage(2, 1, new Uint8Array([255, 0, 0, 0, 0, 255]));
 * const features = imageToExample(image);
 * features.shape; // => { kind: 'int64', values: [3, 1, 2] }
 * [...exampleToImage(features).data]; // => [255, 0, 0, 0, 0, 255]
 * ```
 */
export function exampleToImage(features: ExampleFeatures): RgbImage {
  const names = Object.keys(features);
  const list = names.length ? names.map((n) => `'${n}'`).join(', ') : 'none';
  const shape = features.shape;
  const data = features.data;
  if (!shape || !data) {
    throw new Error(
      `no '${shape ? 'data' : 'shape'}' feature (features: ${list}); an image record of the PGAN/StyleGAN dataset tool has 'shape' (int64 [C, H, W]) and 'data' (bytes)`,
    );
  }
  if (shape.kind !== 'int64') throw new Error(`'shape' is a ${shape.kind} list, not int64`);
  if (data.kind !== 'bytes') throw new Error(`'data' is a ${data.kind} list, not bytes`);
  const [c, h, w] = shape.values;
  if (shape.values.length !== 3 || shape.values.some((v) => v < 1) || (c !== 1 && c !== 3)) {
    throw new Error(
      `'shape' is [${shape.values.join(', ')}]; expected [C, H, W] with C 3 (RGB) or 1 (grey) and positive sizes (channels first, as the dataset tool writes it)`,
    );
  }
  if (data.values.length !== 1) {
    throw new Error(`'data' holds ${data.values.length} byte strings, expected 1`);
  }
  const bytes = data.values[0];
  if (bytes.length !== c * h * w) {
    throw new Error(
      `'data' has ${bytes.length} bytes, but 'shape' [${c}, ${h}, ${w}] needs ${c * h * w}`,
    );
  }
  const out = new Uint8Array(h * w * 3);
  const plane = h * w;
  // Grey (C = 1) reads the one plane three times.
  const r = bytes.subarray(0, plane);
  const g = c === 3 ? bytes.subarray(plane, 2 * plane) : r;
  const b = c === 3 ? bytes.subarray(2 * plane, 3 * plane) : r;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[j] = r[i];
    out[j + 1] = g[i];
    out[j + 2] = b[i];
  }
  return createImage(w, h, out);
}

/**
 * The features of an image record as the PGAN/StyleGAN dataset tool writes it: `shape` [3, H, W]
 * and `data`, the pixels channels first. {@link encodeExample} makes it a record's data.
 *
 * @param image - The image.
 * @returns The features.
 */
export function imageToExample(image: RgbImage): ExampleFeatures {
  const plane = image.width * image.height;
  const chw = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    chw[i] = image.data[3 * i];
    chw[plane + i] = image.data[3 * i + 1];
    chw[2 * plane + i] = image.data[3 * i + 2];
  }
  return {
    shape: { kind: 'int64', values: [3, image.height, image.width] },
    data: { kind: 'bytes', values: [chw] },
  };
}

/**
 * Decodes the image of a dataset-tool record read from a TFRecord file ({@link exampleToImage}
 * on {@link decodeExample}), with errors that say which record.
 *
 * @param record - A record, e.g. from `readTfRecords` (`@patchfx/data/node`) or
 *   {@link decodeTfRecords}.
 * @returns The image.
 * @throws {@link TfRecordError} (problem `'bad-content'`) naming the file, record and offset
 *   when it is not such an image record.
 */
export function decodeImageRecord(record: TfRecord): RgbImage {
  try {
    return exampleToImage(decodeExample(record.data));
  } catch (e) {
    throw new TfRecordError(
      record,
      'bad-content',
      (e as Error).message,
      'is this a TFRecord of images written by the PGAN/StyleGAN dataset tool? (export-tfrecord skips such records with --skip_bad_records)',
    );
  }
}
