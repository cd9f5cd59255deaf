/**
 * Heartbeat slots at volume offset 0x300000 (vmfs-format.md §13): a live
 * slot says which host had the volume mounted when the image was taken —
 * its UUID (the last 6 bytes are a MAC), IP address and journal block. A
 * reader never needs them; an examiner does.
 */
import type { BlockDevice } from '../device/block-device.js';
import { decode } from '../partition/binary-struct.js';

/** One heartbeat slot: 512 bytes on [3][5], 4 KiB on [6] (the same fields at the start, §13). */
const HEARTBEAT = {
  state: [0x00, 'u32'],
  ownOffset: [0x04, 'u64'],
  generation: [0x0c, 'u64'],
  owner: [0x1c, 'uuid16'],
  journal: [0x2c, 'u32'],
  versionMajor: [0x30, 'u32'],
  versionMinor: [0x34, 'u8'],
  hostIp: [0x36, 'cstr:46'],
} as const;

const HEARTBEAT_REGION = 0x300000;
const LIVE = 0xabcdef02;

export interface LiveHeartbeat {
  'volume-offset': number;
  'owner-uuid': string;
  'owner-mac': string;
  'host-ip': string;
  'journal-address': number;
  generation: number;
}

export async function liveHeartbeats(volume: BlockDevice, SLOT: number, SLOTS: number): Promise<LiveHeartbeat[]> {
  if (volume.size < HEARTBEAT_REGION + SLOTS * SLOT) return [];
  const buf = Buffer.alloc(SLOTS * SLOT);
  await volume.read(buf, HEARTBEAT_REGION);
  const out: LiveHeartbeat[] = [];
  for (let i = 0; i < SLOTS; i++) {
    if (buf.readUInt32LE(i * SLOT) !== LIVE) continue;
    const h = decode(HEARTBEAT, buf, i * SLOT);
    out.push({
      'volume-offset': HEARTBEAT_REGION + i * SLOT,
      'owner-uuid': h.owner,
      'owner-mac': h.owner.slice(-12).replace(/(..)(?=.)/g, '$1:'),
      'host-ip': h.hostIp.replace(/[^\x20-\x7e]/g, '?'),
      'journal-address': h.journal,
      generation: h.generation,
    });
  }
  return out;
}
