import type { CommandModule } from 'yargs';
import { ADDRESS_HELP, openOptions, plainArgs, withOpenOptions, type OpenArgs, type Plain } from './common-options.js';
import { action } from './run.js';

interface Args extends OpenArgs {
  addr: string;
  long?: boolean;
  recursive?: boolean;
  all?: boolean;
  json?: boolean;
}

/** The switches, in the order --help shows them. */
const SWITCHES = {
  long: { alias: 'l', describe: 'mode, links, uid, gid, size, allocated size, mtime (UTC), name' },
  recursive: { alias: 'R', describe: 'list subdirectories too' },
  all: { alias: 'a', describe: 'show names starting with "." (system files), and . and ..' },
  json: { alias: '', describe: 'one JSON document on stdout' },
};

export const command: CommandModule<object, Args> = {
  command: 'ls <addr>',
  describe: 'list a directory inside a VMFS volume (lun.img::/path)',
  builder: (y) => {
    let o = withOpenOptions(y).positional('addr', { type: 'string', demandOption: true, describe: ADDRESS_HELP });
    for (const [name, { alias, describe }] of Object.entries(SWITCHES)) o = o.option(name, { ...(alias ? { alias } : {}), type: 'boolean', describe });
    return o as never;
  },
  handler: action(async (argv: Args) => {
    const { listCommand } = await import('../listing/list.js');
    return listCommand(argv.addr, openOptions(argv), { long: !!argv.long, recursive: !!argv.recursive, all: !!argv.all, json: !!argv.json });
  }),
};

export const plain: Plain = (tokens) => {
  const args = plainArgs(tokens, 'addr', Object.fromEntries(Object.entries(SWITCHES).map(([name, o]) => [name, o.alias])));
  return args && (() => command.handler(args as never) as Promise<void>);
};
