/**
 * A small, read-only zip reader for `torch.save` archives: central directory (with zip64),
 * stored entries as zero-copy views, deflated entries through the platform's
 * `DecompressionStream`, CRC-32 checked. Browser-safe.
 */
import { crc32 } from '@patchfx/data';

/** One file of a zip archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the entry's (compressed) data in the archive. */
  readonly dataOffset: number;
}

/** A parsed zip archive over a byte array. */
export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /**
   * The uncompressed bytes of an entry. Stored entries are views into the archive bytes (no
   * copy); deflated ones are inflated. The CRC-32 is checked either way.
   */
  read(name: string): Promise<Uint8Array>;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_EOCD64 = 0x06064b50;

/** Whether `bytes` start like a zip archive (a local file header or an empty archive). */
export function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
  return sig >>> 0 === SIG_LOCAL || sig >>> 0 === SIG_EOCD;
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('zip: 64-bit field too large');
  return Number(v);
}

/**
 * Parses the central directory of a zip archive.
 *
 * @param bytes - The whole archive.
 * @param where - Names the archive in error messages.
 * @throws When the bytes are not a zip archive or are truncated or damaged.
 */
export function openZip(bytes: Uint8Array, where = 'archive'): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string) => new Error(`${where}: not a readable zip archive (${what})`);
  // The end-of-central-directory record is in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw fail('no end-of-central-directory record; the file may be truncated');
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (
    eocd >= 20 &&
    view.getUint32(eocd - 20, true) === SIG_EOCD64_LOCATOR &&
    (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
  ) {
    const at = u64(view, eocd - 20 + 8);
    if (at + 56 > bytes.length || view.getUint32(at, true) !== SIG_EOCD64) {
      throw fail('bad zip64 end-of-central-directory record');
    }
    count = u64(view, at + 32);
    cdSize = u64(view, at + 40);
    cdOffset = u64(view, at + 48);
  }
  if (cdOffset + cdSize > bytes.length) throw fail('central directory past the end of the file');
  const decoder = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw fail(`bad central directory entry ${k}`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc32 = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: only the fields saturated in the fixed header are present.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = u64(view, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(view, q);
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(view, q);
      }
      e += 4 + len;
    }
    if (flags & 1) throw fail(`entry '${name}' is encrypted`);
    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== SIG_LOCAL) {
      throw fail(`bad local header of '${name}'`);
    }
    const dataOffset =
      localOffset +
      30 +
      view.getUint16(localOffset + 26, true) +
      view.getUint16(localOffset + 28, true);
    if (dataOffset + compressedSize > bytes.length) {
      throw fail(`entry '${name}' runs past the end of the file; the file is truncated`);
    }
    entries.set(name, { name, method, compressedSize, size, crc32, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }

  return {
    entries,
    async read(name: string): Promise<Uint8Array> {
      const entry = entries.get(name);
      if (!entry) throw new Error(`${where}: no entry '${name}' in the archive`);
      const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
      let data: Uint8Array;
      if (entry.method === 0) data = raw;
      else if (entry.method === 8) data = await inflateRaw(raw, `${where}: '${name}'`);
      else {
        throw new Error(
          `${where}: entry '${name}' uses zip compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
        );
      }
      if (data.length !== entry.size) {
        throw new Error(
          `${where}: entry '${name}' has ${data.length} bytes, expected ${entry.size}; the archive is damaged`,
        );
      }
      if (crc32(data) !== entry.crc32) {
        throw new Error(`${where}: CRC-32 mismatch in '${name}'; the archive is damaged`);
      }
      return data;
    },
  };
}

async function inflateRaw(data: Uint8Array, where: string): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error(
      `${where} is deflate-compressed and this platform has no DecompressionStream; re-save it with torch.save`,
    );
  }
  const stream = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${where}: cannot inflate (${(e as Error).message}); the archive is damaged`);
  }
}
