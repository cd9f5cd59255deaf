import type { CommandModule } from 'yargs';
import type { VerifyRequest } from '../hash/run-verify.js';
import { action, usage } from './run.js';
import { withOpenOptions, openOptions, type OpenArgs } from './common-options.js';

/** The request's switches as yargs gives them (root may be repeated). */
interface VerifyArgs extends OpenArgs, Omit<VerifyRequest, 'open' | 'root'> {
  root?: string[];
}

const EPILOG = `Manifests: md5sum/sha1sum/sha256sum/sha512sum/xxhsum check files (HEX  NAME, HEX *NAME, BSD tag lines 'MD5 (NAME) = HEX', backslash-escaped names) and hashdeep files (%%%% HASHDEEP-1.0). Names are resolved relative to the manifest's directory, or to ROOT: a host directory, a LUN image (names are paths in its VMFS volume) or lun.img::/folder. Each file is read once whatever the number of algorithms listed for it.

Prints NAME: OK, NAME: FAILED (with expected and computed digests), NAME: MISSING, and with --audit NAME: NEW for files under the root the manifest does not list. A VMDK is checked as its virtual disk (as 'vmfskit hash' writes it) unless --container; hashdeep manifests mean files' own bytes by default (--no-container to override).

Exit status: 0 everything matched; 1 anything FAILED, MISSING or NEW; 2 the manifest or root cannot be opened.`;

export const command: CommandModule<object, VerifyArgs> = {
  command: 'verify [root..]',
  describe: 'check disks or files against md5sum/sha*sum/hashdeep manifests',
  builder: (y) =>
    withOpenOptions(y)
      .positional('root', { type: 'string', array: true, describe: 'where the names live (default: the manifest\'s directory)' })
      .option('manifest', { alias: 'm', type: 'string', demandOption: true, describe: 'the check file' })
      .option('audit', { type: 'boolean', describe: 'also list files under the root that the manifest does not name (NEW)' })
      .option('container', { type: 'boolean', describe: "hash VMDK files' own bytes, not their virtual disks" })
      .option('algorithm', { alias: 'a', type: 'string', describe: 'algorithm of bare digests when the length is ambiguous' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'do not print OK lines' })
      .option('strict', { type: 'boolean', describe: 'fail on improperly formatted lines' })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'show progress on stderr while each entry is hashed (default: when stderr is a terminal)' })
      .epilog(EPILOG) as never,
  handler: action(async (argv: VerifyArgs) => {
    const { runVerify } = await import('../hash/run-verify.js');
    const roots = argv.root ?? [];
    if (roots.length > 1) throw usage('give at most one ROOT (a directory, a LUN image or lun.img::/folder)');
    return runVerify({
      manifest: argv.manifest,
      root: roots[0],
      audit: argv.audit,
      container: argv.container,
      algorithm: argv.algorithm,
      quiet: argv.quiet,
      strict: argv.strict,
      json: argv.json,
      progress: argv.progress ?? process.stderr.isTTY === true,
      open: openOptions(argv),
    });
  }),
};
