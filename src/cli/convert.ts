import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withContainerOption, withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

interface ConvertArgs extends OpenArgs {
  src: string;
  dst: string;
  progress?: boolean;
  quiet?: boolean;
  O?: string;
  f?: string;
  S?: string;
  split?: string;
  hash?: string | string[];
  force?: boolean;
  json?: boolean;
}

export const command: CommandModule<object, ConvertArgs> = {
  command: 'convert <src> <dst>',
  describe: 'convert any disk or file to raw (sparse, split or to stdout)',
  builder: (y) =>
    withContainerOption(withOpenOptions(y))
      .positional('src', { type: 'string', demandOption: true, describe: 'what to convert (ADDR)' })
      .positional('dst', { type: 'string', demandOption: true, describe: 'output raw file, or - for stdout' })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'show progress on stderr (default: when stderr is a terminal)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress, no informational lines' })
      .option('O', { type: 'string', describe: 'output format: raw (the only one; accepted for qemu-img habits)' })
      .option('f', { type: 'string', describe: 'input format: vmdk, or raw for a file\'s own bytes (default: detected)' })
      .option('S', { type: 'string', describe: 'zero runs of at least SIZE bytes become holes; 0 = fully allocated', default: undefined, defaultDescription: '4k' })
      .option('split', { type: 'string', describe: 'write NAME.001, NAME.002 … of SIZE bytes each (e.g. 2G)' })
      .option('hash', { type: 'string', describe: 'hash the written bytes in the same pass: md5,sha1,sha256,sha512,xxh64,xxh32' })
      .option('force', { type: 'boolean', describe: 'replace an existing output' })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' })
      .epilog(`${ADDRESS_HELP}\nThe output is written as NAME.partial and renamed when complete; an interrupted or failed conversion leaves nothing under the final name (only SIGKILL or a crash can leave NAME.partial, which the next run names and --force clears).`) as never,
  handler: action(async (argv: ConvertArgs) => {
    const { runConvert } = await import('../convert/convert.js');
    const { writeOut } = await import('./output.js');
    return runConvert(
      {
        src: argv.src,
        // yargs reads a lone '-' as an empty option name; it means stdout here.
        dst: argv.dst === '' && process.argv.includes('-') ? '-' : argv.dst,
        inputFormat: argv.f,
        outputFormat: argv.O,
        sparse: argv.S,
        split: argv.split,
        hash: argv.hash === undefined ? undefined : ([] as string[]).concat(argv.hash),
        force: argv.force,
        progress: argv.progress,
        quiet: argv.quiet,
        json: argv.json,
        open: openOptions(argv),
        argv: process.argv.slice(2),
      },
      { writeOut, stderr: process.stderr, stdoutIsTTY: process.stdout.isTTY === true },
    );
  }),
};
