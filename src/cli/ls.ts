import type { CommandModule } from 'yargs';
import { ADDRESS_HELP, openOptions, withOpenOptions, type OpenArgs } from './common-options.js';
import { action } from './run.js';

interface Args extends OpenArgs {
  addr: string;
  long?: boolean;
  recursive?: boolean;
  all?: boolean;
  json?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'ls <addr>',
  describe: 'list a directory inside a VMFS volume (lun.img::/path)',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: ADDRESS_HELP })
      .option('long', { alias: 'l', type: 'boolean', describe: 'mode, links, uid, gid, size, allocated size, mtime (UTC), name' })
      .option('recursive', { alias: 'R', type: 'boolean', describe: 'list subdirectories too' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'show names starting with "." (system files), and . and ..' })
      .option('json', { type: 'boolean', describe: 'one JSON document on stdout' }) as never,
  handler: action(async (argv: Args) => {
    const { listCommand } = await import('../vmfs/ls-command.js');
    return listCommand(argv.addr, openOptions(argv), { long: !!argv.long, recursive: !!argv.recursive, all: !!argv.all, json: !!argv.json });
  }),
};
