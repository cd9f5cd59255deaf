import type { CommandModule } from 'yargs';
import { ADDRESS_HELP, openOptions, withOpenOptions, type OpenArgs } from './common-options.js';
import { action } from './run.js';

interface Args extends OpenArgs {
  addr: string;
  destdir: string;
  force?: boolean;
  json?: boolean;
  progress?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'extract <addr> <destdir>',
  describe: 'copy files or trees out of a VMFS volume (modes, times, holes kept)',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: ADDRESS_HELP })
      .positional('destdir', { type: 'string', demandOption: true, describe: 'existing host directory to copy into' })
      .option('force', { type: 'boolean', describe: 'overwrite existing files' })
      .option('json', { type: 'boolean', describe: 'summary as one JSON document on stdout' })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'show progress on stderr while each file is copied (default: when stderr is a terminal)' }) as never,
  handler: action(async (argv: Args) => {
    const { parseAddress, openVolume } = await import('../open.js');
    const { Extractor } = await import('../extract/extractor.js');
    const { writeJson, writeOut } = await import('./output.js');
    const a = parseAddress(argv.addr);
    const vol = await openVolume(a.host, openOptions(argv));
    const x = new Extractor(vol, argv.destdir, { force: !!argv.force, progress: argv.progress ?? process.stderr.isTTY === true, warn: (l) => process.stderr.write(`vmfskit: warning: ${l}\n`) });
    const stop = () => {
      void x.cleanup().finally(() => process.exit(130));
    };
    process.once('SIGINT', stop);
    try {
      const r = await x.extract(a.inner ?? '/');
      await (argv.json
        ? writeJson(r)
        : writeOut(`extracted ${r.files} file(s), ${r.directories} director${r.directories === 1 ? 'y' : 'ies'}, ${r.symlinks} symlink(s); ${r.bytes} bytes written, ${r.holeBytes} bytes left as holes; ${r.skipped} skipped\n`));
    } catch (e) {
      await x.cleanup();
      throw e;
    } finally {
      process.off('SIGINT', stop);
      await vol.close();
    }
  }),
};
