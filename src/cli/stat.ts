import type { CommandModule } from 'yargs';
import { ADDRESS_HELP, openOptions, withOpenOptions, type OpenArgs } from './common-options.js';
import { action, usage } from './run.js';

interface Args extends OpenArgs {
  addr: string;
  json?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'stat <addr>',
  describe: 'everything about one file inside a VMFS volume',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: ADDRESS_HELP })
      .option('json', { type: 'boolean', describe: 'one JSON document on stdout' }) as never,
  handler: action(async (argv: Args) => {
    const { parseAddress, openVolume } = await import('../open.js');
    const { statJson, statText } = await import('../listing/format.js');
    const { writeJson, writeOut } = await import('./output.js');
    const a = parseAddress(argv.addr);
    if (a.inner === undefined) throw usage(`stat needs a path inside a VMFS volume: ${argv.addr}::/path`);
    const vol = (await openVolume(a.host, openOptions(argv))) as import('../vmfs/index.js').VmfsVolumeDetails;
    try {
      const st = await vol.statDetailed(a.inner);
      await (argv.json ? writeJson(statJson(st)) : writeOut(statText(st)));
    } finally {
      await vol.close();
    }
  }),
};
