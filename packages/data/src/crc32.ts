let crcTable: Uint32Array | undefined;
let crcTableC: Uint32Array | undefined;

function table(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of PNG chunks, zip entries
 * and gzip members.
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
  const t = (crcTable ??= table(0xedb88320));
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of TFRecord framing,
 * iSCSI and ext4.
 *
 * @param bytes - The data.
 * @param start - First byte included. @defaultValue 0
 * @param end - One past the last byte included. @defaultValue bytes.length
 * @returns The checksum as an unsigned 32-bit integer.
 *
 * @example
 * ```ts doctest
 * import { crc32c } from '@patchfx/data';
 * crc32c(new TextEncoder().encode('123456789')).toString(16); // => 'e3069283'
 * ```
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = (crcTableC ??= table(0x82f63b78));
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * TensorFlow's masked CRC-32C (`crc32c::Mask`): the checksum rotated right by 15 bits plus
 * 0xa282ead8, so that a CRC over data that holds CRCs stays well spread.
 *
 * @param bytes - The data.
 * @param start - First byte included. @defaultValue 0
 * @param end - One past the last byte included. @defaultValue bytes.length
 * @returns The masked checksum as an unsigned 32-bit integer.
 */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const c = crc32c(bytes, start, end);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}
