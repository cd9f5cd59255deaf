import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withOpenOptions, openOptions, type OpenArgs } from './common-options.js';

interface Args extends OpenArgs {
  addr: string;
  json?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'snapshots <addr>',
  describe: 'the snapshot tree of a VM folder and the chain of every disk',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: 'a VM folder (or a folder of VM folders) on the host, or lun.img::/VM/ inside a VMFS volume' })
      .option('json', { type: 'boolean', describe: 'print the inventory as JSON' })
      .epilogue(
        'Each disk lists its states newest first (current, then each snapshot down to the base) with the descriptor that opens it: ' +
          '`vmfskit cat|convert|hash ADDR` on that address reads the disk as it stood at that snapshot. ' +
          'Times are UTC (from the .vmsd createTimeHigh/Low).',
      ) as never,
  handler: action(async (argv: Args) => {
    const { snapshotsReport } = await import('../inventory/report.js');
    const { writeOut, writeJson } = await import('./output.js');
    const r = await snapshotsReport(argv.addr, openOptions(argv));
    try {
      if (argv.json) await writeJson(r.json);
      else await writeOut(r.text);
    } finally {
      await r.close();
    }
  }),
};
