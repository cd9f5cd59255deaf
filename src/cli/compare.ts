import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withContainerOption, withOpenOptions, openOptions, plainArgs, ADDRESS_HELP, type OpenArgs, type Plain } from './common-options.js';

interface CompareArgs extends OpenArgs {
  a: string;
  b: string;
  strict?: boolean;
  'max-diffs': number;
  json?: boolean;
  progress?: boolean;
  quiet?: boolean;
}

/** Differing ranges reported by default. */
const MAX_DIFFS = 10;

const EPILOG = `${ADDRESS_HELP}

Compares the content (for a VMDK: the virtual disk). As qemu-img compare: prints 'Images are identical.' or 'Content mismatch at offset N!' (N = start of the 512-byte sector), then the exact first differing byte and the differing byte ranges. Sizes differing: the longer side's extra bytes must be zeros (warning on stderr), unless --strict. Exit status: 0 identical, 1 different, 2 cannot open, 3 corrupt structure while reading, 4 I/O error.`;

export const command: CommandModule<object, CompareArgs> = {
  command: 'compare <a> <b>',
  describe: 'compare two sources bit for bit',
  builder: (y) =>
    withContainerOption(withOpenOptions(y))
      .positional('a', { type: 'string', demandOption: true, describe: 'first ADDR' })
      .positional('b', { type: 'string', demandOption: true, describe: 'second ADDR' })
      .option('strict', { alias: 's', type: 'boolean', describe: 'a size difference is a difference' })
      .option('max-diffs', { type: 'number', default: MAX_DIFFS, describe: 'report at most N differing ranges, then stop (0 = scan everything)' })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'show progress on stderr (default: when stderr is a terminal)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'print nothing; the exit status says it' })
      .epilog(EPILOG) as never,
  handler: action(async (argv: CompareArgs) => {
    const { runCompare } = await import('../compare/run-compare.js');
    const { usage } = await import('./run.js');
    const maxDiffs = argv['max-diffs'];
    if (!Number.isSafeInteger(maxDiffs) || maxDiffs < 0) throw usage(`--max-diffs must be a whole number >= 0 (got ${maxDiffs})`);
    return runCompare({
      a: argv.a,
      b: argv.b,
      strict: argv.strict,
      maxDiffs,
      json: argv.json,
      quiet: argv.quiet,
      progress: argv.progress ?? process.stderr.isTTY === true,
      open: openOptions(argv),
    });
  }),
};

/** `compare A B` with no options, the way scripts and benchmarks run it: no yargs to load. */
export const plain: Plain = (tokens) => {
  const args = plainArgs(tokens, ['a', 'b']);
  return args && (() => command.handler({ ...args, 'max-diffs': MAX_DIFFS } as never) as Promise<void>);
};
