/**
 * `info` of a LUN image / disk / VMFS partition: every partition with its type
 * and what it holds, then the VMFS volume (LVM devices and extents, label,
 * UUID, version, usage) when one can be opened. A disk with several VMFS
 * partitions and no --partition gets the listing and a note (exit 0); a volume
 * that cannot be opened gets the listing, then its error (exit as the error says).
 */
import { openOptions, type OpenArgs } from './common-options.js';

/** The partition table of `host` with what each partition holds, or null (bare partition, no table). */
async function describedTable(host: string, argv: OpenArgs) {
  const { FileDevice } = await import('../device/file-device.js');
  const { readTable } = await import('../partition/index.js');
  const { describePartitions, holdsText } = await import('../partition/guest.js');
  const dev = await FileDevice.open(host);
  try {
    const table = await readTable(dev, openOptions(argv).sectorSize).catch(() => null);
    if (!table) return null;
    const parts = (await describePartitions(dev, table)).map((p) => ({ ...p, holds: holdsText(p) }));
    return { scheme: table.scheme, 'sector-size': table.sectorSize, 'sector-size-from': table.sectorSizeHow, partitions: parts, warnings: table.warnings };
  } finally {
    await dev.close();
  }
}

export async function printVolumeInfo(host: string, argv: OpenArgs & { json?: boolean }): Promise<number> {
  const { openVolume } = await import('../open.js');
  const { volumeInfoText } = await import('../vmfs/info-text.js');
  const { tableLines } = await import('../partition/info-text.js');
  const { writeJson, writeOut } = await import('./output.js');
  const { isVmfskitError } = await import('../errors.js');
  const pt = await describedTable(host, argv);
  let vol: import('../vmfs/index.js').VmfsVolumeDetails;
  try {
    vol = (await openVolume(host, openOptions(argv))) as import('../vmfs/index.js').VmfsVolumeDetails;
  } catch (e) {
    if (!pt || !isVmfskitError(e)) throw e;
    // The listing is what info is for; the reason the volume was not opened goes with it.
    const several = e.code === 'USAGE' && argv.partition === undefined;
    if (argv.json) await writeJson({ filename: host, 'partition-table': pt, volume: null, 'volume-not-opened': e.message });
    else await writeOut([...tableLines(pt), `volume: not opened: ${e.message}`].join('\n') + '\n');
    if (several) return 0;
    throw e;
  }
  try {
    const info: Record<string, unknown> = { ...vol.info(), usage: await vol.usage(), 'live-heartbeats': await vol.heartbeats() };
    if (pt) info['partition-table'] = pt;
    await (argv.json ? writeJson(info) : writeOut(volumeInfoText(info)));
    return 0;
  } finally {
    await vol.close();
  }
}

/** `info` of a host disk with a partition table but no VMFS: the listing alone; false when there is no table. */
export async function printTableInfo(host: string, argv: OpenArgs & { json?: boolean }): Promise<boolean> {
  const pt = await describedTable(host, argv);
  if (!pt) return false;
  const { tableLines } = await import('../partition/info-text.js');
  const { writeJson, writeOut } = await import('./output.js');
  if (argv.json) await writeJson({ filename: host, 'partition-table': pt });
  else await writeOut([`image: ${host}`, ...tableLines(pt)].join('\n') + '\n');
  return true;
}
