/**
 * Tensors and storages as read from a PyTorch file: plain typed arrays, no tfjs. Browser-safe.
 */

/** Element types of PyTorch storages that patchfx reads. */
export const TORCH_DTYPES = Object.freeze([
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
] as const);
/** A storage element type (see {@link TORCH_DTYPES}). */
export type TorchDtype = (typeof TORCH_DTYPES)[number];

/** The typed array holding a {@link TorchTensor}'s values (half floats widened to float32). */
export type TorchArray =
  Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** Bytes per element of each dtype in a file. */
export const DTYPE_SIZES: Readonly<Record<TorchDtype, number>> = Object.freeze({
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
});

/** `torch.<X>Storage` class names → dtype (what the pickle's persistent ids name). */
export const STORAGE_DTYPES: Readonly<Record<string, TorchDtype>> = Object.freeze({
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
});

/** `torch.<dtype>` attribute names → dtype (used by `_rebuild_tensor_v3`). */
export const TORCH_DTYPE_NAMES: Readonly<Record<string, TorchDtype>> = Object.freeze({
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
});

/**
 * A storage (flat buffer) of a PyTorch file. Its bytes may arrive after the tensors that view
 * it have been rebuilt (legacy files append storages after the pickle).
 */
export class TorchStorage {
  /** Raw little-endian bytes, set once read. */
  bytes: Uint8Array | undefined;

  constructor(
    /** The storage's key in the file (`data/<key>` in a zip). */
    readonly key: string,
    readonly dtype: TorchDtype,
    /** Number of elements. */
    readonly numel: number,
    /** For legacy storage views: the storage this one views, and the element offset. */
    readonly base?: { readonly storage: TorchStorage; readonly offset: number },
  ) {}

  /** The raw bytes, resolving legacy views. */
  resolveBytes(): Uint8Array {
    if (this.base) {
      const root = this.base.storage.resolveBytes();
      const size = DTYPE_SIZES[this.dtype];
      return root.subarray(this.base.offset * size, (this.base.offset + this.numel) * size);
    }
    if (!this.bytes) throw new Error(`storage '${this.key}' has no data in the file`);
    return this.bytes;
  }
}

/**
 * A tensor read from a PyTorch file: dtype, shape and its values in C (row-major) order.
 * Views with any storage offset and strides (transposed, sliced) are materialised on first
 * access of {@link TorchTensor.data}.
 */
export class TorchTensor {
  private cached: TorchArray | undefined;

  constructor(
    readonly storage: TorchStorage,
    /** Element offset of the tensor in its storage. */
    readonly storageOffset: number,
    readonly shape: readonly number[],
    /** Strides in elements. */
    readonly stride: readonly number[],
  ) {
    if (shape.length !== stride.length) {
      throw new Error(`tensor rank mismatch: size [${shape}] but stride [${stride}]`);
    }
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new Error(`bad tensor size [${shape}]`);
    }
  }

  get dtype(): TorchDtype {
    return this.storage.dtype;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Values in C order. float16/bfloat16 are widened to float32; bool is 0/1 bytes. */
  get data(): TorchArray {
    this.cached ??= materialise(this);
    return this.cached;
  }

  /** Values as 32-bit floats (copied or converted when the dtype is not float32). */
  toFloat32(): Float32Array {
    const d = this.data;
    if (d instanceof Float32Array) return d;
    const out = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes little-endian `bytes` as a flat array of `dtype`. */
function decodeFlat(bytes: Uint8Array, dtype: TorchDtype): TorchArray {
  const size = DTYPE_SIZES[dtype];
  const n = Math.floor(bytes.length / size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * size);
  switch (dtype) {
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'float16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'bfloat16': {
      const out = new Float32Array(n);
      const f = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        f.setUint32(0, view.getUint16(i * 2, true) << 16, true);
        out[i] = f.getFloat32(0, true);
      }
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getBigInt64(i * 8, true);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'int8':
      return new Int8Array(bytes.slice(0, n));
    case 'uint8':
      return bytes.slice(0, n);
    case 'bool': {
      const out = bytes.slice(0, n);
      for (let i = 0; i < n; i++) out[i] = out[i] ? 1 : 0;
      return out;
    }
  }
}

function materialise(t: TorchTensor): TorchArray {
  const size = DTYPE_SIZES[t.dtype];
  const bytes = t.storage.resolveBytes();
  const storageNumel = Math.floor(bytes.length / size);
  const n = t.size;
  const rank = t.shape.length;
  // The largest storage index the view touches must lie inside the storage.
  let last = t.storageOffset;
  for (let d = 0; d < rank; d++) {
    if (t.stride[d] < 0) throw new Error(`negative stride [${t.stride}] is not supported`);
    if (t.shape[d] > 0) last += (t.shape[d] - 1) * t.stride[d];
  }
  if (n > 0 && (t.storageOffset < 0 || last >= storageNumel)) {
    throw new Error(
      `tensor view out of bounds: size [${t.shape}], stride [${t.stride}], offset ${t.storageOffset} on a storage of ${storageNumel} elements`,
    );
  }
  let contiguous = true;
  for (let d = rank - 1, expect = 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== expect) contiguous = false;
    expect *= t.shape[d];
  }
  if (contiguous || n === 0) {
    return decodeFlat(
      bytes.subarray(t.storageOffset * size, (t.storageOffset + n) * size),
      t.dtype,
    );
  }
  // Strided view: decode the touched span of the storage, then gather in C order.
  const flat = decodeFlat(bytes.subarray(t.storageOffset * size, (last + 1) * size), t.dtype);
  const out = new (flat.constructor as { new (n: number): TorchArray })(n);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    (out as Float32Array)[i] = (flat as Float32Array)[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += t.stride[d];
      if (index[d] < t.shape[d]) break;
      src -= t.stride[d] * t.shape[d];
      index[d] = 0;
    }
  }
  return out;
}
