/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as GPT uses it (UEFI spec 5.3.2).
 * Node's own zlib.crc32 exists only from Node 20.15 / 22.2; Debian 12's and Ubuntu 24.04's
 * nodejs is 18.20, which lacks it, so a byte-wise table version stands in there (GPT headers
 * and entry arrays are a few KiB: speed does not matter).
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const nodeCrc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** zlib.crc32 where Node has it, the table otherwise; both return an unsigned 32-bit value. */
export const crc32: Crc32 = typeof nodeCrc32 === 'function' ? nodeCrc32 : tableCrc32;
/** Exported for the test that checks it against zlib.crc32. */
export { tableCrc32 };
