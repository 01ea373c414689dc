/**
 * The image kinds a detector accepts, and their conversion to the 8-bit RGB image the
 * evaluation transform works on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, sniffImageFormat, type RgbImage } from '@patchfx/data';

/**
 * Pixels as the browser's `ImageData` holds them (`{ data, width, height }`, RGBA), or RGB
 * (`data.length === width · height · 3`, e.g. an `RgbImage` of `@patchfx/data`).
 */
export interface ImageDataLike {
  /** 8-bit samples, row-major, RGBA or RGB interleaved. */
  readonly data: Uint8Array | Uint8ClampedArray;
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /** 3 or 4 when known; otherwise inferred from `data.length`. */
  readonly channels?: number;
}

/**
 * What `detect`, `explain` and `report` accept:
 * - pixels: an {@link ImageDataLike} (RGBA: alpha is dropped, not composited, as PIL's
 *   `convert('RGB')`; RGB);
 * - a tensor `[h, w, 3]` or `[1, h, w, 3]` of 8-bit values 0–255 (e.g. `tf.browser.fromPixels`),
 *   not disposed;
 * - encoded file bytes (`Uint8Array`, `ArrayBuffer` or a `Blob`/`File`): PNG, JPEG, PPM/PGM or
 *   BMP, decoded by `decodeImage` of `@patchfx/data`;
 * - a file path (a string), where the detector was loaded with file access
 *   (`loadDetectorFromPath` of `@patchfx/models/node`).
 */
export type DetectorInput = ImageDataLike | tf.Tensor | Uint8Array | ArrayBuffer | Blob | string;

/** How the input arrived, recorded in the result's preprocessing. */
export const INPUT_KINDS = Object.freeze([
  'rgb',
  'rgba',
  'tensor',
  'png',
  'jpeg',
  'ppm',
  'bmp',
] as const);

/** One of {@link INPUT_KINDS}. */
export type InputKind = (typeof INPUT_KINDS)[number];

/** An input brought to RGB. */
export interface PreparedInput {
  readonly image: RgbImage;
  readonly kind: InputKind;
  /** The file name or path, when the input was one. */
  readonly name: string | null;
}

/** What the detector may use to read a path input. */
export type ReadFile = (path: string) => Promise<Uint8Array>;

const KINDS_TEXT =
  'ImageData-like { data, width, height } (RGB or RGBA), a [h, w, 3] or [1, h, w, 3] tensor of 0–255 values, ' +
  'PNG/JPEG/PPM/BMP bytes (Uint8Array, ArrayBuffer, Blob), or (Node) a file path';

async function fromBytes(bytes: Uint8Array, name: string | null): Promise<PreparedInput> {
  const image = await decodeImage(bytes, name ?? '<bytes>');
  const format = sniffImageFormat(bytes) as InputKind;
  return { image, kind: format, name };
}

async function fromTensor(t: tf.Tensor): Promise<PreparedInput> {
  if (t.isDisposed) throw new Error('detector input: the tensor is disposed');
  const shape = t.shape;
  const ok = (t.rank === 3 && shape[2] === 3) || (t.rank === 4 && shape[0] === 1 && shape[3] === 3);
  if (!ok) {
    throw new Error(
      `detector input: a tensor must have shape [h, w, 3] or [1, h, w, 3] (RGB), got [${shape.join(', ')}]` +
        (shape[shape.length - 1] === 4 ? '; drop the alpha channel first' : '') +
        (shape[shape.length - 1] === 1 ? '; repeat a gray channel three times first' : ''),
    );
  }
  if (t.dtype !== 'int32' && t.dtype !== 'float32') {
    throw new Error(`detector input: tensor dtype must be int32 or float32, got ${t.dtype}`);
  }
  const [h, w] = t.rank === 3 ? shape : shape.slice(1);
  if (h === 0 || w === 0) throw new Error(`detector input: the tensor is empty ([${shape}])`);
  const values = (await t.data()) as Float32Array | Int32Array;
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
      throw new Error(
        `detector input: tensor values must be 8-bit pixel values (integers 0–255), got ${v} at index ${i}; ` +
          'a float image in [0, 1] needs tf.round(tf.mul(x, 255)) first',
      );
    }
    data[i] = v;
  }
  return { image: { data, width: w, height: h }, kind: 'tensor', name: null };
}

function fromPixels(input: ImageDataLike): PreparedInput {
  const { data, width, height } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(
      `detector input: width and height must be positive integers, got ${width}×${height}`,
    );
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new Error(
      `detector input: pixel data must be 8-bit (Uint8Array or Uint8ClampedArray), got ${
        (data as object)?.constructor?.name ?? typeof data
      }`,
    );
  }
  const n = width * height;
  const channels = data.length === n * 4 ? 4 : data.length === n * 3 ? 3 : 0;
  if (channels === 0 || (input.channels !== undefined && input.channels !== channels)) {
    throw new Error(
      `detector input: ${data.length} bytes for ${width}×${height} pixels` +
        (input.channels !== undefined ? ` with channels ${input.channels}` : '') +
        `: expected ${n * 3} (RGB) or ${n * 4} (RGBA); gray or other channel counts must be converted to RGB first`,
    );
  }
  if (channels === 3) {
    const bytes =
      data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { image: { data: bytes, width, height }, kind: 'rgb', name: null };
  }
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[3 * i] = data[4 * i];
    rgb[3 * i + 1] = data[4 * i + 1];
    rgb[3 * i + 2] = data[4 * i + 2];
  }
  return { image: { data: rgb, width, height }, kind: 'rgba', name: null };
}

/**
 * Brings any {@link DetectorInput} to an 8-bit RGB image.
 *
 * @param input - The image.
 * @param readFile - Reads a path input; without it, a string input is an error.
 * @returns The image (it may share the input's pixel buffer: do not modify it), its kind and
 *   its file name.
 * @throws On an unknown kind, a bad shape, dtype or channel count, or an undecodable file
 *   (`ImageDecodeError` of `@patchfx/data`, naming the file).
 */
export async function prepareInput(
  input: DetectorInput,
  readFile?: ReadFile,
): Promise<PreparedInput> {
  if (typeof input === 'string') {
    if (!readFile) {
      throw new Error(
        `detector input '${input}' is a string, but this detector cannot read files: ` +
          "in Node load it with loadDetectorFromPath of '@patchfx/models/node'; elsewhere pass the image bytes or pixels",
      );
    }
    return fromBytes(await readFile(input), input);
  }
  if (input instanceof tf.Tensor) return fromTensor(input);
  if (input instanceof ArrayBuffer) return fromBytes(new Uint8Array(input), null);
  if (input instanceof Uint8Array && !('width' in input)) return fromBytes(input, null);
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const name = typeof (input as File).name === 'string' ? (input as File).name : null;
    return fromBytes(new Uint8Array(await input.arrayBuffer()), name);
  }
  if (
    input !== null &&
    typeof input === 'object' &&
    'data' in input &&
    'width' in input &&
    'height' in input
  ) {
    return fromPixels(input);
  }
  throw new Error(
    `detector input must be ${KINDS_TEXT}; got ${
      input === null ? 'null' : ((input as object)?.constructor?.name ?? typeof input)
    }`,
  );
}
