import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withContainerOption, withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

interface InfoArgs extends OpenArgs {
  addr: string;
  json?: boolean;
}

export const command: CommandModule<object, InfoArgs> = {
  command: 'info <addr>',
  describe: 'show what an address holds: VMDK chain, VMFS volume, partitions',
  builder: (y) =>
    withContainerOption(withOpenOptions(y))
      .positional('addr', { type: 'string', demandOption: true, describe: 'what to describe (ADDR)' })
      .option('json', { type: 'boolean', describe: 'one JSON document (qemu-img info key names where the meaning matches)' })
      .epilog(ADDRESS_HELP) as never,
  handler: action(async (argv: InfoArgs) => {
    const { openAddress, hostHasVmfs } = await import('../open.js');
    const { writeOut, writeJson } = await import('./output.js');
    const opened = await openAddress(argv.addr, openOptions(argv));
    try {
      if (opened.vmdk) {
        await opened.vmdk.computeAllocation?.();
        if (argv.json) return void (await writeJson(opened.vmdk.info()));
        const { infoText } = await import('../vmdk/info-text.js');
        return void (await writeOut(infoText(opened.vmdk)));
      }
      if (opened.kind === 'host' && (await hostHasVmfs(argv.addr, openOptions(argv).sectorSize))) {
        await opened.close();
        return (await import('./info-volume.js')).printVolumeInfo(argv.addr, argv);
      }
      if (opened.partition) {
        const { probeAt } = await import('../partition/fs-probe.js');
        const content = await probeAt(opened.device, 0);
        const facts = { filename: opened.address, format: 'partition', ...opened.partition, 'virtual-size': opened.device.size, 'file-system': content };
        if (argv.json) return void (await writeJson(facts));
        const p = opened.partition;
        const lines = [`image: ${facts.filename}`, `partition ${p.number} of ${p.disk} (from its ${p.from === 'table' ? 'partition table' : 'scan: no table'})`, `start: byte ${p.start}`, `virtual size: ${p.size} bytes`, `file system: ${content ? `${content.fs}${content.label ? ` "${content.label}"` : ''}${content.id ? ` id ${content.id}` : ''}` : 'none recognized at its start'}`];
        for (const x of p.patches ?? []) lines.push(`repaired: bytes ${x.offset}+${x.length}: ${x.why} (the evidence is not changed)`);
        return void (await writeOut(lines.join('\n') + '\n'));
      }
      if (opened.kind === 'host' && (await (await import('./info-volume.js')).printTableInfo(argv.addr, argv))) return;
      if (opened.deltaExtent) {
        // Opened as a file (see open.ts): say what it is and which address shows the snapshot's disk.
        const { descriptorsNaming } = await import('../hash/extent-owner.js');
        const descriptors = await descriptorsNaming(opened);
        const facts = { filename: opened.address, format: 'vmdk', 'delta-extent': opened.deltaExtent, 'file-size': opened.device.size, descriptors };
        if (argv.json) return void (await writeJson(facts));
        const owner = descriptors.length ? `${descriptors.join(', ')} (info on it shows the snapshot's disk)` : 'none in this folder names it';
        return void (await writeOut(`image: ${facts.filename}\nfile format: vmdk ${facts['delta-extent']} delta extent, named without its descriptor: read as its file bytes\nfile size: ${facts['file-size']} bytes\ndescriptor: ${owner}\n`));
      }
      const facts = { 'virtual-size': opened.device.size, filename: opened.address, format: 'raw' };
      if (argv.json) await writeJson(facts);
      else await writeOut(`image: ${facts.filename}\nfile format: raw (not a VMDK or VMFS volume)\nvirtual size: ${facts['virtual-size']} bytes\n`);
    } finally {
      await opened.close();
    }
  }),
};
