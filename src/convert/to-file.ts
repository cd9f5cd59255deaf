/**
 * One device to one host file, sparse, through the converter's sink: written
 * as NAME.partial, renamed only when whole; an existing NAME is refused
 * unless `force` (never when it is one of `inputs`). For outputs that are not
 * a disk conversion: memory images copied out by triage, the free-space view.
 */
import type { BlockDevice } from '../device/block-device.js';
import { copyDevice } from './copy.js';
import { planDestination } from './destination.js';
import { FileSetSink } from './file-sink.js';

export async function copyToFile(dev: BlockDevice, dst: string, opts: { force?: boolean; inputs?: string[] } = {}): Promise<{ written: number; holes: number; size: number }> {
  const plan = await planDestination(dst, dev.size, undefined, !!opts.force, opts.inputs ?? []);
  const sink = new FileSetSink(plan.pieces);
  try {
    const stats = await copyDevice(dev, sink, { sparse: 4096 });
    await sink.finish();
    return stats;
  } catch (e) {
    await sink.abort();
    throw e;
  }
}
