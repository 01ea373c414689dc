/**
 * Reads the files `torch.save` writes (zip archives since PyTorch 1.6, the legacy format before
 * it) and safetensors files into plain values and {@link TorchTensor}s, through an allow-list of
 * pickle globals. Browser-safe: works on bytes.
 */
import { unpickle, type PickleGlobal } from './pickle.js';
import {
  DTYPE_SIZES,
  STORAGE_DTYPES,
  TORCH_DTYPE_NAMES,
  TorchStorage,
  TorchTensor,
  type TorchDtype,
} from './tensor.js';
import { isZip, openZip } from './zip.js';

/** The containers {@link readTorchFile} understands. */
export const TORCH_FILE_FORMATS = Object.freeze(['zip', 'legacy', 'safetensors'] as const);
/** A container of {@link TORCH_FILE_FORMATS}. */
export type TorchFileFormat = (typeof TORCH_FILE_FORMATS)[number];

/** What {@link readTorchFile} returns. */
export interface TorchFile {
  readonly format: TorchFileFormat;
  /**
   * The unpickled object: `Map`s for dicts, arrays for lists and tuples, {@link TorchTensor}s
   * for tensors. For safetensors: a `Map` of name → tensor.
   */
  readonly value: unknown;
  /** Safetensors `__metadata__` (string → string); empty for pickles. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Options of {@link readTorchFile}. */
export interface ReadTorchFileOptions {
  /** Names the file in error messages (a path or URL). @defaultValue 'checkpoint' */
  readonly where?: string;
}

/**
 * The globals a checkpoint's pickle may name (`module.name`); every other global is refused
 * before anything is built. None of these runs code: each is re-implemented as a pure
 * function of its arguments.
 */
export const SAFE_PICKLE_GLOBALS = Object.freeze([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.device',
  ...Object.keys(STORAGE_DTYPES).flatMap((s) => [`torch.${s}`, `torch.cuda.${s}`]),
  ...Object.keys(TORCH_DTYPE_NAMES).map((d) => `torch.${d}`),
  'builtins.set',
  'builtins.frozenset',
  '_codecs.encode',
  'numpy.dtype',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
] as const);

/** Legacy `torch.save` magic number and protocol version. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** A `numpy.dtype` under construction (its byte order comes with `BUILD`). */
class NumpyDtype {
  byteOrder = '<';
  constructor(readonly spec: string) {}
}

/** Storage types by global name; `torch.cuda.*` ones, in case a writer left them unnormalised. */
const storageMarkers = new Map<string, TorchDtype>(
  Object.entries(STORAGE_DTYPES).flatMap(([k, v]) => [
    [`torch.${k}`, v],
    [`torch.cuda.${k}`, v],
  ]),
);
const dtypeMarkers = new Map<string, TorchDtype>(
  Object.entries(TORCH_DTYPE_NAMES).map(([k, v]) => [`torch.${k}`, v]),
);

function isTuple(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

function ints(v: unknown, what: string): number[] {
  if (!isTuple(v) || !v.every((x) => Number.isSafeInteger(x))) {
    throw new Error(`${what} must be a tuple of integers`);
  }
  return v as number[];
}

function rebuildTensor(args: readonly unknown[]): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) throw new Error('the first argument is not a storage');
  if (!Number.isSafeInteger(offset)) throw new Error('storage offset must be an integer');
  return new TorchTensor(storage, offset as number, ints(size, 'size'), ints(stride, 'stride'));
}

function numpyScalar(args: readonly unknown[]): number | boolean {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array)) {
    throw new Error('expected (dtype, bytes)');
  }
  const m = /^([<>|=]?)([fiub])(\d)$/.exec(dtype.spec);
  if (!m) throw new Error(`numpy scalar of dtype '${dtype.spec}' is not supported`);
  const [, , kind, sizeText] = m;
  const size = Number(sizeText);
  if (raw.length !== size) throw new Error('numpy scalar has the wrong number of bytes');
  const little = dtype.byteOrder !== '>';
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (kind === 'b') return raw[0] !== 0;
  if (kind === 'f' && size === 8) return view.getFloat64(0, little);
  if (kind === 'f' && size === 4) return view.getFloat32(0, little);
  if (kind === 'i' && size === 8) return Number(view.getBigInt64(0, little));
  if (kind === 'i' && size === 4) return view.getInt32(0, little);
  if (kind === 'i' && size === 2) return view.getInt16(0, little);
  if (kind === 'i' && size === 1) return view.getInt8(0);
  if (kind === 'u' && size === 8) return Number(view.getBigUint64(0, little));
  if (kind === 'u' && size === 4) return view.getUint32(0, little);
  if (kind === 'u' && size === 2) return view.getUint16(0, little);
  if (kind === 'u' && size === 1) return view.getUint8(0);
  throw new Error(`numpy scalar of dtype '${dtype.spec}' is not supported`);
}

/** The allow-list as pickle globals. */
function findGlobal(where: string) {
  const value = (module: string, name: string): PickleGlobal => ({ module, name });
  const callable = (
    module: string,
    name: string,
    call: (args: readonly unknown[]) => unknown,
  ): PickleGlobal => ({ module, name, call });
  return (module: string, name: string): PickleGlobal => {
    const full = `${module}.${name}`;
    if (storageMarkers.has(full) || dtypeMarkers.has(full)) return value(module, name);
    switch (full) {
      case 'collections.OrderedDict':
        return callable(module, name, (args) => {
          const m = new Map();
          if (args.length && isTuple(args[0])) {
            for (const kv of args[0]) if (isTuple(kv) && kv.length === 2) m.set(kv[0], kv[1]);
          }
          return m;
        });
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2':
        return callable(module, name, rebuildTensor);
      case 'torch._utils._rebuild_tensor_v3':
        return callable(module, name, (args) => {
          const t = rebuildTensor(args);
          const dtype = args[6] as PickleGlobal | undefined;
          const d = dtype && dtypeMarkers.get(`${dtype.module}.${dtype.name}`);
          if (d && d !== t.dtype) {
            // An untyped (byte) storage viewed with a dtype: re-type the storage.
            const s = t.storage;
            const typed = new TorchStorage(s.key, d, Math.floor(s.numel / DTYPE_SIZES[d]));
            typed.bytes = s.bytes;
            return new TorchTensor(typed, t.storageOffset, t.shape, t.stride);
          }
          return t;
        });
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        return callable(module, name, (args) => {
          if (!(args[0] instanceof TorchTensor)) throw new Error('expected a tensor');
          return args[0];
        });
      case 'torch._tensor._rebuild_from_type_v2':
        return callable(module, name, (args) => {
          const [fn, type, fnArgs] = args as [PickleGlobal, PickleGlobal, unknown];
          const typeName = type && `${type.module}.${type.name}`;
          if (typeName !== 'torch.Tensor' && typeName !== 'torch.nn.parameter.Parameter') {
            throw new Error(`tensor subclass '${typeName}' is not supported`);
          }
          if (!fn?.call || !isTuple(fnArgs)) throw new Error('malformed tensor');
          return fn.call(fnArgs);
        });
      case 'torch.Tensor':
      case 'torch.nn.parameter.Parameter':
        return value(module, name);
      case 'torch.Size':
        return callable(module, name, (args) => Object.freeze([...ints(args[0] ?? [], 'size')]));
      case 'torch.device':
        return callable(module, name, (args) => args.join(':'));
      case 'builtins.set':
      case 'builtins.frozenset':
        return callable(module, name, (args) => new Set(isTuple(args[0]) ? args[0] : []));
      case '_codecs.encode':
        return callable(module, name, (args) => {
          const [s, enc] = args;
          if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) {
            throw new Error('only latin1 encoding of a string is supported');
          }
          return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
        });
      case 'numpy.dtype':
        return callable(module, name, (args) => {
          if (typeof args[0] !== 'string') throw new Error('expected a dtype string');
          return new NumpyDtype(args[0]);
        });
      case 'numpy.core.multiarray.scalar':
      case 'numpy._core.multiarray.scalar':
        return callable(module, name, numpyScalar);
    }
    const objectHint =
      /^(__main__|torch\.nn\.modules|torch\.optim|models?\b)/.test(module) || /^[A-Z]/.test(name)
        ? ' It looks like a pickled Python object (e.g. a whole model saved with torch.save(model)); patchfx reads state dicts only: re-save model.state_dict().'
        : '';
    throw new Error(
      `${where}: refusing to load: its pickle names the global '${full}', which is not on patchfx's allow-list of safe globals ` +
        `(tensors, storages, OrderedDict, containers and numbers). Loading this file in Python could run arbitrary code.${objectHint}`,
    );
  };
}

function build(obj: unknown, state: unknown): unknown {
  if (obj instanceof Map) return obj; // OrderedDict attributes (state_dict._metadata): dropped
  if (obj instanceof TorchTensor) return obj; // tensor attributes: dropped
  if (obj instanceof NumpyDtype && isTuple(state) && typeof state[1] === 'string') {
    obj.byteOrder = state[1];
    return obj;
  }
  throw new Error('BUILD (setstate) on an unsupported object');
}

function storageFromPid(
  pid: unknown,
  where: string,
): { dtype: TorchDtype; key: string; numel: number; view: unknown } {
  if (!isTuple(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new Error(
      `unsupported persistent id ${JSON.stringify(isTuple(pid) ? pid[0] : typeof pid)} in ${where}`,
    );
  }
  const type = pid[1] as PickleGlobal;
  const dtype = type && storageMarkers.get(`${type.module}.${type.name}`);
  if (!dtype) throw new Error('persistent id without a known storage type');
  const key = String(pid[2]);
  const numel = pid[4];
  if (!Number.isSafeInteger(numel) || (numel as number) < 0) throw new Error('bad storage size');
  return { dtype, key, numel: numel as number, view: pid[5] ?? null };
}

async function readZipFile(bytes: Uint8Array, where: string): Promise<unknown> {
  const zip = openZip(bytes, where);
  const names = [...zip.entries.keys()];
  const first = names[0] ?? '';
  const prefix = first.includes('/') ? first.slice(0, first.indexOf('/') + 1) : '';
  const pkl = `${prefix}data.pkl`;
  if (!zip.entries.has(pkl)) {
    const hint = names.some((n) => n.startsWith(`${prefix}code/`))
      ? ' It looks like a TorchScript archive (torch.jit.save): save the state_dict with torch.save instead.'
      : '';
    throw new Error(
      `${where} is a zip file but not a torch.save archive: it has no ${pkl}.${hint}`,
    );
  }
  const byteorder = zip.entries.has(`${prefix}byteorder`)
    ? new TextDecoder().decode(await zip.read(`${prefix}byteorder`)).trim()
    : 'little';
  if (byteorder !== 'little') {
    throw new Error(
      `${where} was saved on a big-endian machine (byteorder '${byteorder}'); only little-endian checkpoints are supported`,
    );
  }
  const storages = new Map<string, TorchStorage>();
  const value = unpickle(await zip.read(pkl), 0, {
    where: `${where} (${pkl})`,
    findGlobal: findGlobal(where),
    build,
    persistentLoad(pid) {
      const { dtype, key, numel } = storageFromPid(pid, where);
      let s = storages.get(key);
      if (!s) {
        s = new TorchStorage(key, dtype, numel);
        storages.set(key, s);
      }
      return s;
    },
  }).value;
  for (const s of storages.values()) {
    const name = `${prefix}data/${s.key}`;
    if (!zip.entries.has(name)) throw new Error(`${where}: storage ${name} is missing`);
    s.bytes = await zip.read(name);
    if (s.bytes.length < s.numel * DTYPE_SIZES[s.dtype]) {
      throw new Error(
        `${where}: storage ${name} has ${s.bytes.length} bytes, expected ${s.numel * DTYPE_SIZES[s.dtype]}`,
      );
    }
  }
  return value;
}

function isLegacy(bytes: Uint8Array): boolean {
  // PROTO 2, LONG1 of 10 bytes: the magic number, little-endian.
  const head = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  return bytes.length >= head.length && head.every((b, i) => bytes[i] === b);
}

function readLegacyFile(bytes: Uint8Array, where: string): unknown {
  const plain = { where, findGlobal: findGlobal(where), build };
  let r = unpickle(bytes, 0, plain);
  if (BigInt(r.value as number | bigint) !== LEGACY_MAGIC) {
    throw new Error(`${where}: bad legacy torch.save magic number`);
  }
  r = unpickle(bytes, r.end, plain);
  if (r.value !== LEGACY_PROTOCOL) {
    throw new Error(`${where}: unsupported legacy torch.save protocol ${String(r.value)}`);
  }
  r = unpickle(bytes, r.end, plain);
  const sysInfo = r.value instanceof Map ? r.value : new Map();
  if (sysInfo.get('little_endian') === false) {
    throw new Error(
      `${where} was saved on a big-endian machine; only little-endian checkpoints are supported`,
    );
  }
  const roots = new Map<string, TorchStorage>();
  const views = new Map<string, TorchStorage>();
  r = unpickle(bytes, r.end, {
    ...plain,
    persistentLoad(pid) {
      const { dtype, key, numel, view } = storageFromPid(pid, where);
      let root = roots.get(key);
      if (!root) {
        root = new TorchStorage(key, dtype, numel);
        roots.set(key, root);
      }
      if (view == null) return root;
      const [viewKey, offset, viewSize] = view as [string, number, number];
      let v = views.get(viewKey);
      if (!v) {
        v = new TorchStorage(viewKey, dtype, viewSize, { storage: root, offset });
        views.set(viewKey, v);
      }
      return v;
    },
  });
  const value = r.value;
  r = unpickle(bytes, r.end, plain);
  const keys = r.value;
  if (!Array.isArray(keys)) throw new Error(`${where}: legacy storage key list is missing`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = r.end;
  for (const key of keys) {
    const s = roots.get(String(key));
    if (!s) throw new Error(`${where}: storage '${String(key)}' is not used by the pickle`);
    if (p + 8 > bytes.length) throw new Error(`${where}: truncated before storage '${s.key}'`);
    const numel = Number(view.getBigInt64(p, true));
    const n = numel * DTYPE_SIZES[s.dtype];
    p += 8;
    if (numel !== s.numel || p + n > bytes.length) {
      throw new Error(`${where}: storage '${s.key}' is truncated or damaged`);
    }
    s.bytes = bytes.subarray(p, p + n);
    p += n;
  }
  return value;
}

const SAFETENSORS_DTYPES: Readonly<Record<string, TorchDtype>> = Object.freeze({
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
});

function safetensorsHeaderLength(bytes: Uint8Array): number | null {
  if (bytes.length < 10) return null;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8) || bytes[8] !== 0x7b) return null;
  return Number(n);
}

function readSafetensors(
  bytes: Uint8Array,
  headerLength: number,
  where: string,
): { value: Map<string, TorchTensor>; metadata: Record<string, string> } {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new Error(`${where}: bad safetensors header (${(e as Error).message})`);
  }
  const data = bytes.subarray(8 + headerLength);
  const value = new Map<string, TorchTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = info as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    const d = SAFETENSORS_DTYPES[dtype];
    if (!d) throw new Error(`${where}: tensor '${name}' has unsupported dtype '${dtype}'`);
    const numel = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets;
    if (end - begin !== numel * DTYPE_SIZES[d] || end > data.length || begin < 0) {
      throw new Error(`${where}: tensor '${name}' has bad data offsets`);
    }
    const storage = new TorchStorage(name, d, numel);
    storage.bytes = data.subarray(begin, end);
    const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    value.set(name, new TorchTensor(storage, 0, shape, stride));
  }
  return { value, metadata };
}

/**
 * Reads a PyTorch checkpoint file without running any of its code: a `torch.save` zip archive
 * (PyTorch ≥ 1.6, stored or deflated entries), a legacy `torch.save` file (PyTorch < 1.6, or
 * `_use_new_zipfile_serialization=False`), or a safetensors file.
 *
 * The pickle is interpreted by a small allow-listed subset ({@link SAFE_PICKLE_GLOBALS}):
 * dicts, `OrderedDict`s, lists, tuples, numbers, strings, bytes and tensors. Any other global
 * (`os.system`, `builtins.eval`, a model class…) is refused with an error naming it, before
 * anything is built. Tensors of any storage type, offset and strides (transposed and sliced
 * views) are read; big-endian files are refused.
 *
 * @param data - The whole file (e.g. `await (await fetch(url)).arrayBuffer()` in a browser).
 * @returns The decoded object (dicts as `Map`s, tensors as {@link TorchTensor}s).
 * @throws When the file is not one of the three formats, is damaged, names a global outside the
 *   allow-list, or was written big-endian.
 *
 * @example
 * ```ts doctest
 * import { readFileSync } from 'node:fs';
 * import { readTorchFile, TorchTensor } from '@patchfx/models/torch';
 * const file = await readTorchFile(
 *   readFileSync('packages/models/test/fixtures/torch/dtypes.pth'),
 * );
 * file.format; // => 'zip'
 * const t = (file.value as Map<string, unknown>).get('transposed') as TorchTensor;
 * t.shape; // => [3, 2]
 * Array.from(t.toFloat32()); // => [0, 3, 1, 4, 2, 5]
 * ```
 */
export async function readTorchFile(
  data: Uint8Array | ArrayBuffer,
  options: ReadTorchFileOptions = {},
): Promise<TorchFile> {
  const where = options.where ?? 'checkpoint';
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (isZip(bytes)) return { format: 'zip', value: await readZipFile(bytes, where), metadata: {} };
  if (isLegacy(bytes))
    return { format: 'legacy', value: readLegacyFile(bytes, where), metadata: {} };
  const headerLength = safetensorsHeaderLength(bytes);
  if (headerLength != null) {
    return { format: 'safetensors', ...readSafetensors(bytes, headerLength, where) };
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(
    `${where} is not a PyTorch checkpoint: it is neither a torch.save zip archive, nor a legacy torch.save file, nor safetensors ` +
      `(it starts with ${head || 'nothing: the file is empty'})`,
  );
}
