import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withContainerOption, withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

interface MapArgs extends OpenArgs {
  addr: string;
  json?: boolean;
}

export const command: CommandModule<object, MapArgs> = {
  command: 'map <addr>',
  describe: 'allocation map of a disk or file: data and zero runs, and which chain layer answers',
  builder: (y) =>
    withContainerOption(withOpenOptions(y))
      .positional('addr', { type: 'string', demandOption: true, describe: 'what to map (ADDR)' })
      .option('json', { type: 'boolean', describe: 'JSON array like qemu-img map --output=json, plus "file" and "compressed"' })
      .epilog(
        `${ADDRESS_HELP}\ndepth: the chain layer that answers (0 = the named disk); holes report the deepest layer looked at.\n` +
          'offset: where the bytes sit in "file" (absent for compressed grains).',
      ) as never,
  handler: action(async (argv: MapArgs) => {
    const { openAddress } = await import('../open.js');
    const { mapEntries, tableHeader, tableLine } = await import('../vmdk/map-output.js');
    const { writeOut } = await import('./output.js');
    const opened = await openAddress(argv.addr, openOptions(argv));
    try {
      // Lines are gathered into ~64 KiB writes: a fragmented disk has millions of runs.
      let out = argv.json ? '' : tableHeader();
      let first = true;
      for await (const e of mapEntries(opened.device)) {
        out += argv.json ? `${first ? '[' : ',\n'}${JSON.stringify(e)}` : tableLine(e);
        first = false;
        if (out.length >= 65536) {
          await writeOut(out);
          out = '';
        }
      }
      await writeOut(out + (argv.json ? (first ? '[]\n' : ']\n') : ''));
    } finally {
      await opened.close();
    }
  }),
};
