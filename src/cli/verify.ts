import type { CommandModule } from 'yargs';
import type { VerifyRequest } from '../hash/run-verify.js';
import { action, usage } from './run.js';
import { withOpenOptions, openOptions, type OpenArgs } from './common-options.js';

/** The request's switches as yargs gives them (root may be repeated). */
interface VerifyArgs extends OpenArgs, Omit<VerifyRequest, 'open' | 'root'> {
  root?: string[];
}

const EPILOG = `Manifests: md5sum/sha1sum/sha256sum/sha512sum/xxhsum check files (HEX  NAME, HEX *NAME, BSD tag lines 'MD5 (NAME) = HEX', backslash-escaped names) and hashdeep files (%%%% HASHDEEP-1.0). Names are resolved relative to the manifest's directory, or to ROOT: a host directory, a LUN image (names are paths in its VMFS volume) or lun.img::/folder. Each content tried is read once whatever the number of algorithms listed for it.

Names written on ESXi as /vmfs/volumes/<label or uuid>/VM/file (as 'md5sum /vmfs/volumes/datastore1/VM/*' prints them) are paths in the volume of a LUN image ROOT when the label or uuid is that volume's; another datastore's names are MISSING, saying so.

What a line is checked against: a manifest line only says what a name hashed to. md5sum, sha*sum and hashdeep on a datastore hash files' bytes; 'vmfskit hash' hashes a VMDK as its virtual disk. So each file's bytes are hashed first and, for a VMDK whose bytes do not match, its virtual disk (all layers of its chain) too: NAME: OK when either matches ('NAME: OK (virtual disk content)' for the disk; "content" in --json), FAILED with the digests of both when neither does. --container checks files' bytes only, --virtual a VMDK's virtual disk only (--no-container is the same as --virtual). A delta extent (x-000001-delta.vmdk, x-000001-sesparse.vmdk) is a file: its bytes.

Prints NAME: OK, NAME: FAILED (with expected and computed digests), NAME: MISSING, and with --audit NAME: NEW for files under the root the manifest does not list.

Exit status: 0 everything matched; 1 anything FAILED, MISSING or NEW; 2 the manifest or root cannot be opened.`;

export const command: CommandModule<object, VerifyArgs> = {
  command: 'verify [root..]',
  describe: 'check disks or files against md5sum/sha*sum/hashdeep manifests',
  builder: (y) =>
    withOpenOptions(y)
      .positional('root', { type: 'string', array: true, describe: 'where the names live (default: the manifest\'s directory)' })
      .option('manifest', { alias: 'm', type: 'string', demandOption: true, describe: 'the check file' })
      .option('audit', { type: 'boolean', describe: 'also list files under the root that the manifest does not name (NEW)' })
      .option('container', { type: 'boolean', describe: "check files' own bytes only (a VMDK's header, grain tables, descriptor text), never a virtual disk" })
      .option('virtual', { type: 'boolean', conflicts: 'container', describe: "check a VMDK's virtual disk content only (as 'vmfskit hash' hashes it), never its file bytes" })
      .option('algorithm', { alias: 'a', type: 'string', describe: 'algorithm of bare digests when the length is ambiguous' })
      .option('prefix', { type: 'string', describe: "names under this folder are paths in ROOT ('hash -r --prefix' wrote them there)" })
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
      virtual: argv.virtual,
      algorithm: argv.algorithm,
      quiet: argv.quiet,
      strict: argv.strict,
      json: argv.json,
      progress: argv.progress ?? process.stderr.isTTY === true,
      prefix: argv.prefix,
      open: openOptions(argv),
    });
  }),
};
