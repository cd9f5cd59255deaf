import type { CommandModule } from 'yargs';
import type { HashRequest } from '../hash/run-hash.js';
import { action } from './run.js';
import { withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

/** The request's switches as yargs gives them (sizes and lists still text). */
interface HashArgs extends OpenArgs, Pick<HashRequest, 'json' | 'dfxml' | 'force' | 'container' | 'tag' | 'progress' | 'threads'> {
  addr: string[];
  algorithm: string | string[];
  window?: string;
  quiet?: boolean;
}

const EPILOG = `${ADDRESS_HELP}

What is hashed: for a VMDK, the virtual disk's content (all layers of a chain, unallocated grains as zeros); for a file inside VMFS (lun.img::/VM/x-flat.vmdk), its bytes as md5sum on ESXi reads them (holes as zeros); with --container, the files' own bytes (a VMDK's header, grain tables and grains). A snapshot's delta extent named on its own (x-000001-delta.vmdk, x-000001-sesparse.vmdk) is hashed as its file bytes, and a note on stderr names the descriptor (x-000001.vmdk) to hash for the snapshot's disk: without its descriptor a delta has no parent, and its "disk" would be the changes over zeros.

Output: with one algorithm, md5sum/sha256sum lines (HEX  NAME); with several, BSD --tag lines, one per algorithm (MD5 (NAME) = HEX) — 'md5sum -c', 'sha1sum -c', 'sha256sum -c', 'xxhsum -c' each check their own lines and skip the rest. This works for raw files and --container; for a VMDK or an address inside a LUN image use 'vmfskit verify'. Window hashes (--window) follow as '#' comment lines, dc3dd style, with byte and 512-byte sector ranges.`;

export const command: CommandModule<object, HashArgs> = {
  command: 'hash <addr..>',
  describe: 'hash disks or files: several algorithms in one read pass',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', array: true, demandOption: true, default: undefined, describe: 'what to hash (ADDR)' })
      .option('algorithm', {
        alias: 'a',
        type: 'string',
        default: 'md5,sha1,sha256',
        describe: 'algorithms, comma-separated: md5, sha1, sha256, sha512, xxh64 (as xxhsum -H1), xxh32 (xxhsum -H0)',
      })
      .option('window', { type: 'string', describe: 'also hash each window of SIZE bytes (piecewise, a multiple of 512; e.g. 64M)' })
      .option('json', { type: 'boolean', describe: 'print one JSON document instead of check-file lines' })
      .option('dfxml', { type: 'string', describe: 'also write a DFXML report to FILE' })
      .option('force', { type: 'boolean', describe: 'replace an existing --dfxml file' })
      .option('container', { type: 'boolean', describe: "hash the container files' own bytes, not the virtual disk" })
      .option('tag', { type: 'boolean', describe: 'BSD-style lines even for one algorithm' })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'show progress on stderr (default: when stderr is a terminal)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress' })
      .option('threads', { type: 'number', describe: 'most threads hashing the algorithms side by side (default: the CPUs available; never more than one per algorithm; 1, or an input under 32 MiB, hashes in the main thread). The digests do not depend on it' })
      .epilog(EPILOG) as never,
  handler: action(async (argv: HashArgs) => {
    const { runHash } = await import('../hash/run-hash.js');
    const { parseSize } = await import('../convert/size.js');
    const { commandLine } = await import('../hash/dfxml.js');
    return runHash({
      addresses: argv.addr,
      algorithms: ([] as string[]).concat(argv.algorithm),
      window: argv.window === undefined ? undefined : parseSize(argv.window, '--window'),
      json: argv.json,
      dfxml: argv.dfxml,
      force: argv.force,
      container: argv.container,
      tag: argv.tag,
      progress: argv.quiet ? false : (argv.progress ?? process.stderr.isTTY === true),
      threads: argv.threads,
      open: openOptions(argv),
      commandLine: commandLine(),
    });
  }),
};
