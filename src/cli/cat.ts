import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

interface CatArgs extends OpenArgs {
  addr: string;
}

export const command: CommandModule<object, CatArgs> = {
  command: 'cat <addr>',
  describe: "write a disk's or file's raw bytes to stdout",
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: 'what to read (ADDR)' })
      .epilog(`${ADDRESS_HELP}\nA VMDK is written as its virtual disk (the whole chain); a closed pipe (| head) ends quietly.`) as never,
  handler: action(async (argv: CatArgs) => {
    const { openAddress } = await import('../open.js');
    const { catDevice } = await import('../vmdk/cat-device.js');
    const { writeOut } = await import('./output.js');
    const opened = await openAddress(argv.addr, openOptions(argv));
    try {
      for (const l of opened.vmdk?.layers ?? []) for (const w of l.warnings) process.stderr.write(`vmfskit: warning: ${l.filename}: ${w}\n`);
      await catDevice(opened.device, writeOut);
    } finally {
      await opened.close();
    }
  }),
};
