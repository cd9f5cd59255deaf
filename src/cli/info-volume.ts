/** `info` of a LUN image / VMFS partition: partitions, LVM devices and extents, the volume, usage. */
import { openOptions, type OpenArgs } from './common-options.js';

export async function printVolumeInfo(host: string, argv: OpenArgs & { json?: boolean }): Promise<number> {
  const { openVolume } = await import('../open.js');
  const { volumeInfoText } = await import('../vmfs/info-text.js');
  const { writeJson, writeOut } = await import('./output.js');
  const vol = (await openVolume(host, openOptions(argv))) as import('../vmfs/index.js').VmfsVolumeDetails;
  try {
    const info = { ...vol.info(), usage: await vol.usage(), 'live-heartbeats': await vol.heartbeats() };
    await (argv.json ? writeJson(info) : writeOut(volumeInfoText(info)));
    return 0;
  } finally {
    await vol.close();
  }
}
