/** The dtypes {@link encodeNpy} writes and {@link decodeNpy} reads, by numpy descr. */
export const NPY_DTYPES = Object.freeze({
  float32: '<f4',
  float64: '<f8',
  uint8: '|u1',
  int32: '<i4',
} as const);

/** One of the keys of {@link NPY_DTYPES}. */
export type NpyDtype = keyof typeof NPY_DTYPES;

/** The typed array of each {@link NpyDtype}. */
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array;

/** An n-dimensional array in C (row-major) order. */
export interface NpyArray {
  /** `shape.reduce(×)` values; the array type decides the dtype. */
  readonly data: NpyData;
  /** Dimensions; `[]` for a scalar. */
  readonly shape: readonly number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new Error('npy data must be a Float32Array, Float64Array, Uint8Array or Int32Array');
}

/** Python's `repr` of a shape tuple: `()`, `(3,)`, `(2, 3)`. */
function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * Encodes an array as a NumPy `.npy` file (format 1.0), byte for byte as `np.save` in
 * numpy 1.24 writes it: the header dict `{'descr': …, 'fortran_order': False, 'shape': …, }`,
 * 21 − len(str(shape[0])) spare spaces numpy leaves for growing the first axis, then spaces and
 * a newline to a multiple of 64 bytes; data little-endian in C order.
 *
 * Input shape: any; `data.length` must equal the product of `shape`.
 *
 * @param array - Data (Float32Array → `<f4`, Float64Array → `<f8`, Uint8Array → `|u1`,
 *   Int32Array → `<i4`) and shape.
 * @returns The file bytes, loadable with `np.load`.
 * @throws If the data type is unsupported or the shape does not match the data length.
 *
 * @example
 * ```ts doctest
 * import { encodeNpy, decodeNpy } from '@patchfx/viz';
 * const bytes = encodeNpy({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
 * bytes.length; // => 152
 * decodeNpy(bytes).shape; // => [2, 3]
 * ```
 */
export function encodeNpy(array: NpyArray): Uint8Array {
  const { data, shape } = array;
  const dtype = dtypeOf(data);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`shape must be non-negative integers, got [${shape.join(', ')}]`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(
      `shape [${shape.join(', ')}] holds ${count} values, but data has ${data.length}`,
    );
  }
  let header = `{'descr': '${NPY_DTYPES[dtype]}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(21 - String(shape[0]).length);
  // numpy pads so that magic(6) + version(2) + length(2) + header + '\n' is a multiple of 64,
  // adding a whole 64 when it already is.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad) + '\n';
  if (header.length > 0xffff) throw new Error('npy header too long for format 1.0');
  const bytesPer = data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(10 + header.length + data.length * bytesPer);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >>> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) {
    const o = i * bytesPer;
    if (dtype === 'float32') view.setFloat32(o, data[i], true);
    else if (dtype === 'float64') view.setFloat64(o, data[i], true);
    else if (dtype === 'int32') view.setInt32(o, data[i], true);
    else view.setUint8(o, data[i]);
  }
  return out;
}

/** Reads `'key': value` entries of the header dict that this module needs. */
function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`malformed npy header: ${text.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new Error(`malformed npy shape: (${shapeText})`);
      return n;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/**
 * Decodes a NumPy `.npy` file (format 1.0, 2.0 or 3.0) holding float32, float64, uint8 or int32
 * data in C order; big-endian data is byte-swapped.
 *
 * @param bytes - The file bytes.
 * @returns A new array (copied; `bytes` may be reused).
 * @throws If the magic string is missing, the dtype is not one of {@link NPY_DTYPES} (either
 *   byte order), the array is Fortran-ordered, or the file is truncated.
 *
 * @example
 * ```ts doctest
 * import { encodeNpy, decodeNpy } from '@patchfx/viz';
 * const back = decodeNpy(encodeNpy({ data: new Int32Array([7, -8]), shape: [2] }));
 * Array.from(back.data); // => [7, -8]
 * ```
 */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new Error('not an npy file (missing \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLength = view.getUint32(8, true);
    start = 12;
  } else {
    throw new Error(`unsupported npy format version ${major}.${bytes[7]}`);
  }
  let text = '';
  for (let i = 0; i < headerLength; i++) text += String.fromCharCode(bytes[start + i]);
  const { descr, fortran, shape } = parseHeader(text);
  if (fortran) throw new Error('Fortran-ordered npy arrays are not supported');
  const order = descr[0];
  const kind = descr.slice(1);
  const little = order !== '>';
  const dtype = (Object.keys(NPY_DTYPES) as NpyDtype[]).find(
    (d) => NPY_DTYPES[d].slice(1) === kind,
  );
  if (!dtype || !['<', '>', '|', '='].includes(order)) {
    throw new Error(
      `unsupported npy dtype '${descr}': expected one of ${Object.values(NPY_DTYPES)
        .map((d) => `'${d}'`)
        .join(' | ')}`,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const sizes: Record<NpyDtype, number> = { float32: 4, float64: 8, uint8: 1, int32: 4 };
  const need = offset + count * sizes[dtype];
  if (bytes.length < need) {
    throw new Error(`npy file truncated: ${bytes.length} bytes, expected ${need}`);
  }
  let data: NpyData;
  if (dtype === 'float32') {
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, little);
  } else if (dtype === 'float64') {
    data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(offset + i * 8, little);
  } else if (dtype === 'int32') {
    data = new Int32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getInt32(offset + i * 4, little);
  } else {
    data = bytes.slice(offset, offset + count);
  }
  return { data, shape };
}
