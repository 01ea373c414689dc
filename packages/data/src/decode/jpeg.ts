/**
 * JPEG decoding and encoding through `@jsquash/jpeg` (libjpeg-turbo/MozJPEG compiled to
 * WebAssembly; decoding is bit-exact with Pillow 9.4 on Debian), plus a pure-JS marker parser
 * for headers, quantisation tables and truncation checks.
 */
import * as jsquashDecodeModule from '@jsquash/jpeg/decode.js';
import * as jsquashEncodeModule from '@jsquash/jpeg/encode.js';
import { ImageDecodeError, type RgbImage } from '../image.js';

/** One component of a JPEG frame. */
export interface JpegComponent {
  readonly id: number;
  /** Horizontal sampling factor. */
  readonly h: number;
  /** Vertical sampling factor. */
  readonly v: number;
  /** Index of its quantisation table. */
  readonly quantTable: number;
}

/** What a JPEG's markers say, read without decoding pixels. */
export interface JpegHeader {
  readonly width: number;
  readonly height: number;
  /** Sample precision in bits (8 for almost every file, 12 for some medical images). */
  readonly precision: number;
  readonly progressive: boolean;
  /** Arithmetic coding (rare; not decoded by every library). */
  readonly arithmetic: boolean;
  readonly components: readonly JpegComponent[];
  /** Quantisation tables by id (0–3), 64 values each in natural (row-major) order. */
  readonly quantTables: ReadonlyArray<readonly number[] | undefined>;
  /** Adobe APP14 colour transform (0 none/CMYK, 1 YCbCr, 2 YCCK), when present. */
  readonly adobeTransform?: number;
  /** Whether an EOI marker ends the scan data (false: the file is truncated). */
  readonly complete: boolean;
}

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/**
 * Parses a JPEG's markers (SOF, DQT, APP14, SOS, EOI) without decoding pixels.
 *
 * @param bytes - The file contents.
 * @param file - The name used in error messages.
 * @returns The header. `complete` is false when the file ends inside the scan data.
 * @throws {@link ImageDecodeError} when the marker structure is broken or there is no frame.
 */
export function readJpegHeader(bytes: Uint8Array, file = '<bytes>'): JpegHeader {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    throw new ImageDecodeError(file, 'not a JPEG (no SOI marker)');
  }
  const quantTables: Array<number[] | undefined> = [];
  let frame:
    Omit<JpegHeader, 'quantTables' | 'complete' | 'adobeTransform' | 'components'> | undefined;
  let components: JpegComponent[] = [];
  let adobeTransform: number | undefined;
  let pos = 2;
  let complete = false;
  const truncated = (where: string) =>
    new ImageDecodeError(file, `truncated JPEG: the file ends ${where} (${n} bytes)`);
  while (pos < n) {
    if (bytes[pos] !== 0xff) {
      throw new ImageDecodeError(file, `corrupt JPEG: expected a marker at byte ${pos}`);
    }
    while (pos < n && bytes[pos] === 0xff) pos++; // fill bytes
    if (pos >= n) throw truncated('inside a marker');
    const marker = bytes[pos++];
    if (marker === 0xd9) {
      complete = true;
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (pos + 2 > n) throw truncated('inside a marker segment');
    const length = (bytes[pos] << 8) | bytes[pos + 1];
    if (length < 2) throw new ImageDecodeError(file, `corrupt JPEG: bad segment length at ${pos}`);
    const seg = pos + 2;
    const end = pos + length;
    if (end > n) throw truncated(`inside a 0x${marker.toString(16)} segment`);
    if (marker === 0xdb) {
      let p = seg;
      while (p < end) {
        const pq = bytes[p] >> 4;
        const id = bytes[p] & 15;
        p++;
        const table = new Array<number>(64);
        for (let k = 0; k < 64; k++) {
          table[ZIGZAG[k]] = pq ? (bytes[p + 2 * k] << 8) | bytes[p + 2 * k + 1] : bytes[p + k];
        }
        p += pq ? 128 : 64;
        quantTables[id] = table;
      }
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8) {
      if (marker === 0xcc) {
        pos = end;
        continue;
      }
      const count = bytes[seg + 5];
      components = [];
      for (let c = 0; c < count; c++) {
        const o = seg + 6 + 3 * c;
        components.push({
          id: bytes[o],
          h: bytes[o + 1] >> 4,
          v: bytes[o + 1] & 15,
          quantTable: bytes[o + 2],
        });
      }
      frame = {
        precision: bytes[seg],
        height: (bytes[seg + 1] << 8) | bytes[seg + 2],
        width: (bytes[seg + 3] << 8) | bytes[seg + 4],
        progressive: marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce,
        arithmetic: marker >= 0xc9,
      };
    } else if (marker === 0xee && length >= 14) {
      if (String.fromCharCode(...bytes.subarray(seg, seg + 5)) === 'Adobe') {
        adobeTransform = bytes[seg + 11];
      }
    } else if (marker === 0xda) {
      // Entropy-coded data follows the SOS header: skip to the next real marker.
      let p = end;
      while (p < n) {
        if (bytes[p] === 0xff && p + 1 < n) {
          const m = bytes[p + 1];
          if (m !== 0x00 && !(m >= 0xd0 && m <= 0xd7) && m !== 0xff) break;
        }
        p++;
      }
      if (p >= n - 1) throw truncated('inside the scan data, without an EOI marker');
      pos = p;
      continue;
    }
    pos = end;
  }
  if (!frame) throw new ImageDecodeError(file, 'corrupt JPEG: no frame header (SOF)');
  if (!complete) throw truncated('without an EOI marker');
  return { ...frame, components, quantTables, adobeTransform, complete };
}

type InitFn = (module?: WebAssembly.Module, overrides?: object) => Promise<void>;

/**
 * `@jsquash/jpeg` is ESM-only. Loaded by `require` (the CommonJS build, Node's `require(esm)`),
 * a module's default export arrives as the namespace itself, one `.default` deeper; this finds
 * `default` and `init` at either level.
 */
function codecModule<F>(ns: { default: F; init: unknown }): { run: F; init: InitFn } {
  const inner = (ns as { default?: unknown }).default;
  const deeper = inner !== null && typeof inner === 'object' ? (inner as typeof ns) : undefined;
  const run = typeof inner === 'function' ? (inner as F) : deeper?.default;
  const init = typeof ns.init === 'function' ? ns.init : deeper?.init;
  if (typeof run !== 'function' || typeof init !== 'function') {
    throw new Error("'@jsquash/jpeg' did not load as expected (no default export or init)");
  }
  return { run, init: init as InitFn };
}
const jpegDecoder = () => codecModule(jsquashDecodeModule);
const jpegEncoder = () => codecModule(jsquashEncodeModule);

/** libjpeg's last message (the codec prints it before exiting on an error). */
let lastCodecMessage = '';
const quiet = {
  print: () => {},
  printErr: (m: string) => {
    lastCodecMessage = String(m).trim();
  },
};
let decoderReady: Promise<void> | undefined;
let encoderReady: Promise<void> | undefined;

/**
 * Gives the JPEG codec its WebAssembly modules instead of letting it fetch them (browsers fetch
 * them next to `@jsquash/jpeg` by themselves). Node code calls `initNodeCodecs()` from
 * `@patchfx/data/node`, which does this with the files from `node_modules`.
 *
 * @param wasm - Compiled `mozjpeg_dec.wasm` and/or `mozjpeg_enc.wasm` modules.
 */
export function setJpegWasm(wasm: {
  decoder?: WebAssembly.Module;
  encoder?: WebAssembly.Module;
}): void {
  if (wasm.decoder) {
    decoderReady = jpegDecoder().init(wasm.decoder, quiet);
  }
  if (wasm.encoder) {
    encoderReady = jpegEncoder().init(wasm.encoder, quiet);
  }
}

/** Whether JPEG modules were set by {@link setJpegWasm}. */
export function hasJpegWasm(): { decoder: boolean; encoder: boolean } {
  return { decoder: decoderReady !== undefined, encoder: encoderReady !== undefined };
}

const needsInit = (e: unknown) =>
  /fetch|Failed to parse URL|ENOENT|not implemented/i.test(String((e as Error)?.message ?? e));
const INIT_HINT =
  "the JPEG codec's WebAssembly could not be loaded; in Node, call `await initNodeCodecs()` from '@patchfx/data/node' first";

/**
 * Decodes a JPEG (baseline or progressive; gray or YCbCr) to RGB, bit-exact with Pillow 9.4's
 * `convert('RGB')` (libjpeg-turbo, islow IDCT, fancy upsampling). EXIF orientation is ignored,
 * as PIL does.
 *
 * @param bytes - The file contents.
 * @param file - The name used in error messages.
 * @returns A new image owned by the caller.
 * @throws {@link ImageDecodeError} naming `file` when it is truncated or corrupt, or is a CMYK,
 *   12-bit or arithmetic-coded JPEG (unsupported: convert it to an RGB JPEG or PNG).
 */
export async function decodeJpeg(bytes: Uint8Array, file = '<bytes>'): Promise<RgbImage> {
  const header = readJpegHeader(bytes, file);
  const nc = header.components.length;
  if (nc === 4 || header.adobeTransform === 2) {
    throw new ImageDecodeError(
      file,
      'CMYK/YCCK JPEGs are not supported; convert the file to RGB (e.g. `convert in.jpg -colorspace sRGB out.png`)',
      'unsupported',
    );
  }
  if (nc !== 1 && nc !== 3) {
    throw new ImageDecodeError(file, `corrupt JPEG: ${nc} colour components`);
  }
  if (header.precision !== 8) {
    throw new ImageDecodeError(
      file,
      `${header.precision}-bit JPEGs are not supported; convert the file to an 8-bit PNG`,
      'unsupported',
    );
  }
  const copy = bytes.slice().buffer as ArrayBuffer;
  const codec = jpegDecoder();
  let result: { data: Uint8ClampedArray | Uint8Array; width: number; height: number } | null;
  try {
    if (!decoderReady) decoderReady = codec.init(undefined, quiet);
    await decoderReady;
    lastCodecMessage = '';
    result = await codec.run(copy);
  } catch (e) {
    if (needsInit(e)) {
      decoderReady = undefined;
      throw new Error(INIT_HINT, { cause: e });
    }
    const detail = lastCodecMessage || ((e as Error)?.message ?? String(e));
    throw new ImageDecodeError(file, `corrupt JPEG: ${detail}`);
  }
  if (!result || result.width !== header.width || result.height !== header.height) {
    throw new ImageDecodeError(file, 'corrupt JPEG: the decoder returned no image');
  }
  const n = result.width * result.height;
  const rgba = result.data;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[3 * i] = rgba[j];
    out[3 * i + 1] = rgba[j + 1];
    out[3 * i + 2] = rgba[j + 2];
  }
  return { data: out, width: result.width, height: result.height };
}

/** Options of {@link encodeJpeg}. */
export interface JpegEncodeOptions {
  /** Chroma subsampling. @defaultValue '4:2:0' (libjpeg's and OpenCV's default) */
  readonly subsampling?: '4:2:0' | '4:4:4';
}

/**
 * Encodes an RGB image as a baseline JPEG at `quality` with the standard (Annex K / IJG)
 * quantisation tables scaled as libjpeg does, so the quality read back from the file is
 * `quality`. MozJPEG's trellis quantisation is on, so decoded pixels differ slightly from
 * Pillow's or OpenCV's encoder at the same quality (q90: max 8 levels, most pixels within 1).
 *
 * @param image - The image to encode.
 * @param quality - JPEG quality, an integer in 1…100.
 * @returns The JPEG file bytes (a new buffer owned by the caller).
 * @throws When `quality` is out of range, or the encoder's WebAssembly cannot be loaded.
 */
export async function encodeJpeg(
  image: RgbImage,
  quality: number,
  options: JpegEncodeOptions = {},
): Promise<Uint8Array> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new Error(`JPEG quality must be an integer in 1…100, got ${quality}`);
  }
  const { width, height } = image;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, n = width * height; i < n; i++) {
    rgba[4 * i] = image.data[3 * i];
    rgba[4 * i + 1] = image.data[3 * i + 1];
    rgba[4 * i + 2] = image.data[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  const codec = jpegEncoder();
  try {
    if (!encoderReady) encoderReady = codec.init(undefined, quiet);
    await encoderReady;
    const out = await codec.run({ data: rgba, width, height, colorSpace: 'srgb' } as ImageData, {
      quality,
      baseline: true,
      progressive: false,
      arithmetic: false,
      optimize_coding: true,
      smoothing: 0,
      color_space: 3,
      quant_table: 0,
      trellis_multipass: false,
      trellis_opt_zero: false,
      trellis_opt_table: false,
      trellis_loops: 1,
      auto_subsample: false,
      chroma_subsample: options.subsampling === '4:4:4' ? 1 : 2,
      separate_chroma_quality: false,
      chroma_quality: quality,
    });
    return new Uint8Array(out);
  } catch (e) {
    if (needsInit(e)) {
      encoderReady = undefined;
      throw new Error(INIT_HINT, { cause: e });
    }
    throw e;
  }
}

/** The IJG standard luminance (0) and chrominance (1) tables, natural order (Annex K). */
const STD_TABLES = [
  [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
  ],
  [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  ],
];

/**
 * Estimates the libjpeg quality setting a JPEG was saved with, from its quantisation tables: the
 * quality in 1…100 whose IJG-scaled standard tables are closest (sum of absolute differences).
 *
 * @param header - From {@link readJpegHeader}.
 * @returns `quality` and `exact` (true when the tables equal the scaled standard tables), or
 *   `undefined` when the file has no tables.
 */
export function estimateJpegQuality(
  header: Pick<JpegHeader, 'quantTables'>,
): { quality: number; exact: boolean } | undefined {
  const tables = [0, 1].map((i) => header.quantTables[i]);
  if (!tables[0]) return undefined;
  let best = { quality: 0, exact: false, cost: Infinity };
  for (let q = 1; q <= 100; q++) {
    const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
    let cost = 0;
    for (let t = 0; t < 2; t++) {
      const table = tables[t];
      if (!table) continue;
      for (let k = 0; k < 64; k++) {
        const v = Math.min(255, Math.max(1, Math.floor((STD_TABLES[t][k] * scale + 50) / 100)));
        cost += Math.abs(v - table[k]);
      }
    }
    if (cost < best.cost) best = { quality: q, exact: cost === 0, cost };
  }
  return { quality: best.quality, exact: best.exact };
}

/**
 * Names the chroma subsampling of a JPEG from its sampling factors.
 *
 * @returns `'gray'`, `'4:4:4'`, `'4:2:2'`, `'4:2:0'`, `'4:4:0'`, `'4:1:1'` or `'h×v'` factors.
 */
export function jpegSubsampling(header: Pick<JpegHeader, 'components'>): string {
  const c = header.components;
  if (c.length === 1) return 'gray';
  const y = c[0];
  if (c.slice(1).some((k) => k.h !== 1 || k.v !== 1)) {
    return c.map((k) => `${k.h}x${k.v}`).join(',');
  }
  const key = `${y.h}x${y.v}`;
  const names: Record<string, string> = {
    '1x1': '4:4:4',
    '2x1': '4:2:2',
    '2x2': '4:2:0',
    '1x2': '4:4:0',
    '4x1': '4:1:1',
  };
  return names[key] ?? key;
}
