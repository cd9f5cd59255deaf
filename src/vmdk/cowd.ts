/** VMFSSPARSE ("COWD") delta extents. STUB: the deltas issue fills this in; signature is the contract. */
import type { BlockDevice } from '../device/block-device.js';
import type { LayerExtent } from './layer-extent.js';
import { VmfskitError } from '../errors.js';

/** Open a COWD extent stored in `file`, covering `sizeBytes` of the virtual disk. */
export async function openCowdExtent(file: BlockDevice, sizeBytes: number): Promise<LayerExtent> {
  void sizeBytes;
  throw new VmfskitError('UNSUPPORTED', 'VMFSSPARSE (COWD) extents are not supported yet', { file: file.name });
}
