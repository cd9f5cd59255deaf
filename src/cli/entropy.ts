import type { CommandModule } from 'yargs';
import type { EntropyRequest } from '../analyze/run-entropy.js';
import { action } from './run.js';
import { withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

interface EntropyArgs extends OpenArgs, Pick<EntropyRequest, 'json' | 'png' | 'force' | 'progress' | 'threads'> {
  addr: string;
  window?: string;
  quiet?: boolean;
}

const EPILOG = `${ADDRESS_HELP}

Each window is one of: zero (every byte 0; zero runs of the allocation map are never read), data (Shannon entropy of the window's bytes below 7.9 bits/byte: text, file-system structures, programs), compressed (entropy at least 7.9, but a chi-square test rejects uniform bytes: deflate, zip, a stream-optimized VMDK's grains), random (entropy at least 7.9 and bytes uniform by chi-square at p = 1e-4: ciphertext — what a locker leaves — or random data; well-compressed data can land here too, more often in windows under 256 KiB). Neighbouring windows of one class are printed as one run: start, end (exclusive), length in bytes, class and mean entropy.

--json: {address, size, window, rule: {highEntropy, chiSquareUniformMax, degreesOfFreedom}, bytesRead, totals: {zero, data, compressed, random} (bytes), partitions: [{index, start, size}], runs: [{start, end, length, class, entropy, chiSquare, windows}]}.

--png FILE: the whole disk as rows of strips (a pixel covering several windows shows the most suspicious class among them), offsets under each strip, the partitions of an intact MBR/GPT drawn below, and a legend. Written as FILE.partial and renamed; never over an existing file without --force.`;

export const command: CommandModule<object, EntropyArgs> = {
  command: 'entropy <addr>',
  describe: 'where is the damage: zero / data / compressed / random (encrypted) runs, as text, JSON or a PNG picture',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: 'disk or file to classify (ADDR)' })
      .option('window', { type: 'string', describe: 'window size (a multiple of 512, at least 4K; default 1M)' })
      .option('json', { type: 'boolean', describe: 'print one JSON document (shape below)' })
      .option('png', { type: 'string', describe: 'also draw the map into FILE (PNG)' })
      .option('force', { type: 'boolean', describe: 'replace an existing --png file' })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'show progress on stderr (default: when stderr is a terminal)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress' })
      .option('threads', { type: 'number', describe: 'worker threads counting bytes (default: the CPUs available; 1, or an input under 32 MiB, counts in the main thread). The result does not depend on it' })
      .epilog(EPILOG) as never,
  handler: action(async (argv: EntropyArgs) => {
    const { runEntropy } = await import('../analyze/run-entropy.js');
    const { parseSize } = await import('../convert/size.js');
    if (argv.threads !== undefined && !(Number.isSafeInteger(argv.threads) && argv.threads >= 1)) {
      const { usage } = await import('./run.js');
      throw usage(`--threads must be a whole number of at least 1 (got ${argv.threads})`);
    }
    return runEntropy({
      address: argv.addr,
      window: argv.window === undefined ? undefined : parseSize(argv.window, '--window'),
      json: argv.json,
      png: argv.png,
      force: argv.force,
      progress: argv.quiet ? false : (argv.progress ?? process.stderr.isTTY === true),
      threads: argv.threads,
      open: openOptions(argv),
    });
  }),
};
