import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

interface PartitionsArgs extends OpenArgs {
  addr: string;
  json?: boolean;
  scan?: boolean;
  progress?: boolean;
  quiet?: boolean;
}

export const command: CommandModule<object, PartitionsArgs> = {
  command: 'partitions <addr>',
  describe: "the guest disk's partitions (MBR incl. logical, GPT) and their file systems; --scan finds them when the table is gone",
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: 'the disk (ADDR): a VMDK, a snapshot state, a raw image, lun.img::/VM/VM.vmdk' })
      .option('json', { type: 'boolean', describe: 'one JSON document: {address, size, "partition-table": {scheme, "sector-size", "sector-size-from", warnings, partitions: [{index, start, size, type, typeName, name, content: {fs, size, label, id} | null, holds, repair?, problems?}]} | null, scan?: {size, probes, backupGpt?, candidates: [{number, start, size, fs, label, id, gpt?, found: [..], contradicts: [..], primaryDestroyed?}]}}' })
      .option('scan', {
        type: 'boolean',
        describe:
          'also look for partitions without the table: the backup GPT at the end of the disk, then NTFS/FAT/exFAT/ext2-4/XFS/LVM2/swap/BitLocker/LUKS/VMFS signatures at every 1 MiB and the backups they keep (NTFS last sector, FAT32 sector 6, ext backup superblocks); bounded: one small read per MiB, none where the map says zeros',
      })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'show the scan\'s progress on stderr (default: when stderr is a terminal)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress' })
      .epilog(
        `${ADDRESS_HELP}\n` +
          'Partition N of a disk is the address ADDR#pN (table numbering; without a readable table, candidate N of --scan); ' +
          'ADDR#pN:repaired reads it with a destroyed NTFS/FAT32 boot sector or ext superblock taken from its backup (the evidence is not changed).\n' +
          'Exit status: 0 partitions or candidates listed; 2 cannot open; 3 no partition table (and, with --scan, nothing found); 4 I/O error.',
      ) as never,
  handler: action(async (argv: PartitionsArgs) => {
    const { openAddress } = await import('../open.js');
    const { readTable } = await import('../partition/index.js');
    const { describePartitions, holdsText } = await import('../partition/guest.js');
    const { scanDisk } = await import('../partition/scan.js');
    const { tableLines, scanLines } = await import('../partition/info-text.js');
    const { writeOut, writeJson } = await import('./output.js');
    const { VmfskitError, isVmfskitError } = await import('../errors.js');
    const o = openOptions(argv);
    const opened = await openAddress(argv.addr, o);
    try {
      const dev = opened.device;
      let table = null;
      let tableError: string | undefined;
      try {
        table = await readTable(dev, o.sectorSize);
      } catch (e) {
        if (!isVmfskitError(e) || !argv.scan) throw e;
        tableError = e.message;
      }
      const parts = table ? (await describePartitions(dev, table)).map((p) => ({ ...p, holds: holdsText(p) })) : [];
      const pt = table ? { scheme: table.scheme, 'sector-size': table.sectorSize, 'sector-size-from': table.sectorSizeHow, warnings: table.warnings, partitions: parts } : null;
      let scan;
      if (argv.scan) {
        const show = argv.quiet ? false : (argv.progress ?? process.stderr.isTTY === true);
        const progress = show ? new (await import('../convert/progress.js')).Progress(dev.size) : undefined;
        try {
          scan = await scanDisk(dev, o.sectorSize, progress && ((done) => progress.update(done)));
        } finally {
          progress?.clear();
        }
      }
      const sector = table?.sectorSize ?? o.sectorSize ?? scan?.backupGpt?.sectorSize ?? 512;
      if (argv.json) {
        await writeJson({ address: opened.address, size: dev.size, 'partition-table': pt, ...(tableError ? { 'table-error': tableError } : {}), ...(scan ? { scan } : {}) });
      } else {
        const lines = [`disk: ${opened.address}, ${dev.size} bytes`];
        if (pt) lines.push(...tableLines(pt));
        else lines.push(`partition table: none readable${tableError ? ` (${tableError})` : ''}${scan ? '' : ' — try --scan'}`);
        if (scan) lines.push(...scanLines(scan, sector));
        await writeOut(lines.join('\n') + '\n');
      }
      if (!pt && !(scan && scan.candidates.length)) {
        const what = scan ? `no partition table, and the scan (${scan.probes} places probed) found no partition or file system` : 'no MBR or GPT partition table (try --scan)';
        throw new VmfskitError('BAD_MAGIC', what, { file: opened.address });
      }
    } finally {
      await opened.close();
    }
  }),
};
