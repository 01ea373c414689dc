let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of PNG chunks, zip entries
 * and gzip members. The one implementation in patchfx.
 *
 * @param bytes - The data.
 * @param start - First byte included. @defaultValue 0
 * @param end - One past the last byte included. @defaultValue bytes.length
 * @returns The checksum as an unsigned 32-bit integer.
 *
 * @example
 * ```ts doctest
 * import { crc32 } from '@patchfx/data';
 * crc32(new TextEncoder().encode('123456789')).toString(16); // => 'cbf43926'
 * ```
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
