import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withOpenOptions, openOptions, type OpenArgs } from './common-options.js';

interface Args extends OpenArgs {
  addr: string[];
  json?: boolean;
  inventory?: string[];
  'extract-memory'?: string;
  force?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'triage <addr..>',
  describe: 'every VM on the evidence with its red flags (NICs, passthrough, RDMs, memory images, snapshots), its logs, and the host\'s logs and shell commands',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'LUN images (every VMFS volume in them), host folders of copied VM folders or datastores, .vmx files, or lun.img::/folder',
      })
      .option('json', { type: 'boolean', describe: 'one JSON document (shape in the README: sources, findings[], vms[], hostLogs[], shellCommands[], inventories[], problems[])' })
      .option('inventory', { type: 'string', array: true, nargs: 1, describe: "a host's vmInventory.xml copied from /etc/vmware/hostd/ (repeatable; those found in the trees are read too)" })
      .option('extract-memory', { type: 'string', describe: 'copy each complete memory pair (.vmem with its .vmsn/.vmss) into DIR/<VM>/ under their own names, for Volatility' })
      .option('force', { type: 'boolean', describe: 'with --extract-memory: overwrite files that exist' })
      .epilogue(
        'Findings come first (high: direct hardware access, NICs on different networks; medium: several NICs, memory images, unregistered VMs, shell commands; info: snapshots, swap files, static MACs), then each VM, then the host logs. ' +
          'Whatever cannot be read (a .vmx with broken quoting or binary bytes, a log line with an impossible time, a damaged vmInventory.xml) is listed under "Could not read" and the triage goes on. ' +
          'Times are UTC. Exit status 0 when the triage ran (findings are not errors), 2 when an address cannot be opened.',
      ) as never,
  handler: action(async (argv: Args) => {
    const { triage, triageJson } = await import('../inventory/triage.js');
    const { renderTriage } = await import('../inventory/triage-text.js');
    const { writeOut, writeJson } = await import('./output.js');
    const t = await triage(argv.addr, { ...openOptions(argv), inventory: argv.inventory });
    try {
      if (argv['extract-memory'] !== undefined) {
        const { extractMemory } = await import('../inventory/memory-extract.js');
        const done = await extractMemory(t.report, argv['extract-memory'], { force: !!argv.force, inputs: argv.addr.map((a) => a.split('::')[0]!) });
        for (const d of done) process.stderr.write(`vmfskit: memory: ${d.from} -> ${d.to} (${d.size} bytes)\n`);
      }
      if (argv.json) await writeJson(triageJson(t.report));
      else await writeOut(renderTriage(t.report));
    } finally {
      await t.close();
    }
  }),
};
