/** Is this file a VMDK (any of its kinds), judged by content, never by name (vmdk-format §0)? */
import type { BlockDevice } from '../device/block-device.js';
import { looksLikeDescriptor, MAX_DESCRIPTOR_BYTES } from './descriptor.js';

const MAGICS = new Set([
  0x564d444b, // KDMV: hosted sparse / stream-optimized
  0x766d646b, // kdmv: unfinished sparse file (recognised so that opening it explains itself)
  0x44574f43, // COWD: ESX sparse delta
]);
const SESPARSE = 0xcafebabe;

export async function sniff(dev: BlockDevice): Promise<boolean> {
  if (dev.size < 4) return false;
  const head = Buffer.alloc(Math.min(dev.size, 4096));
  await dev.read(head, 0);
  const magic = head.readUInt32LE(0);
  if (MAGICS.has(magic)) return true;
  if (magic === SESPARSE && head.length >= 8 && head.readUInt32LE(4) === 0) return true;
  return dev.size <= MAX_DESCRIPTOR_BYTES && looksLikeDescriptor(head);
}
