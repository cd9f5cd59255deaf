import type { CommandModule } from 'yargs';
import type { HashRequest } from '../hash/run-hash.js';
import { action, usage } from './run.js';
import { withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

/** The request's switches as yargs gives them (sizes and lists still text). */
interface HashArgs extends OpenArgs, Pick<HashRequest, 'json' | 'dfxml' | 'force' | 'container' | 'tag' | 'progress' | 'threads'> {
  addr: string[];
  algorithm: string | string[];
  window?: string;
  quiet?: boolean;
  recursive?: boolean;
  hashdeep?: boolean;
  'esxi-paths'?: boolean;
  prefix?: string;
}

const EPILOG = `${ADDRESS_HELP}

What is hashed: for a VMDK, the virtual disk's content (all layers of a chain, unallocated grains as zeros); for a file inside VMFS (lun.img::/VM/x-flat.vmdk), its bytes as md5sum on ESXi reads them (holes as zeros); with --container, the files' own bytes (a VMDK's header, grain tables and grains). A snapshot's delta extent named on its own (x-000001-delta.vmdk, x-000001-sesparse.vmdk) is hashed as its file bytes, and a note on stderr names the descriptor (x-000001.vmdk) to hash for the snapshot's disk: without its descriptor a delta has no parent, and its "disk" would be the changes over zeros.

Output: with one algorithm, md5sum/sha256sum lines (HEX  NAME); with several, BSD --tag lines, one per algorithm (MD5 (NAME) = HEX) — 'md5sum -c', 'sha1sum -c', 'sha256sum -c', 'xxhsum -c' each check their own lines and skip the rest. This works for raw files and --container; for a VMDK or an address inside a LUN image use 'vmfskit verify'. Window hashes (--window) follow as '#' comment lines, dc3dd style, with byte and 512-byte sector ranges.

-r (--recursive), as 'hashdeep -r': every file under each ADDR that is a folder of a VMFS volume (lun.img::/, lun.img::/VM) or of the host, in one pass: each file's allocated data read once (holes from the map, not read), small files hashed side by side on every core, output in byte-wise order of the paths. Names are the paths in the volume (/VM/VM.vmx), /vmfs/volumes/<label>/VM/VM.vmx with --esxi-paths (as md5sum on the ESXi host writes them), or under the folder --prefix names (where you will mount the volume or copy the folder). Every file is hashed as its bytes, as md5sum on the host hashes it: VMDK descriptors, -flat, -delta and -sesparse extents alike; to hash a virtual disk (all layers of a chain) name its descriptor: 'vmfskit hash lun.img::/VM/VM.vmdk'. Symbolic links are listed, not followed; a file with several names (hard links) is hashed once and each name listed, the later ones after a '# NAME: hard link to FIRST' comment; RDM mapping files are listed as having no data here. A file or folder that cannot be read gets a '# NAME: ERROR: …' line ('## ' with --hashdeep, an <error> in DFXML, an "error" in JSON), the walk goes on, and the exit status is 3: the manifest is incomplete. A directory that appears twice (a loop in damaged metadata) is walked once and reported.

--hashdeep writes hashdeep's own file (%%%% HASHDEEP-1.0, size,md5,sha256,filename): 'hashdeep -a -k FILE -r /mnt/evidence' audits a copy mounted at --prefix /mnt/evidence (add '-o f' when the tree holds symbolic links: hashdeep follows them; over vmfskit's own mount leave out its .disks/ folder and .vmfskit-info.txt, which are not in the volume; a name holding a newline hashdeep cannot audit), and 'vmfskit verify -m FILE --prefix /mnt/evidence lun.img' checks it against the image. --dfxml FILE with -r holds one fileobject per file (name, FD address as inode, size, mode, uid, gid, times, digests) with its byte runs: img_offset is where the bytes lie in the LUN image (image_filename names the member of a spanned volume), fs_offset where they lie in the volume; holes are fill='0' runs: 'dd if=lun.img bs=1 skip=IMG count=LEN' gives them back without vmfskit.`;

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
      .option('recursive', { alias: 'r', type: 'boolean', describe: 'every file under each ADDR folder (lun.img::/VM, a host folder); see below' })
      .option('hashdeep', { type: 'boolean', describe: "with -r: hashdeep's own file format (md5, sha1, sha256)" })
      .option('esxi-paths', { type: 'boolean', describe: 'with -r: names as ESXi shows them, /vmfs/volumes/<label>/path' })
      .option('prefix', { type: 'string', describe: 'with -r: names under this folder (the mount point or copy the manifest will be checked at)' })
      .option('threads', { type: 'number', describe: 'most threads hashing the algorithms side by side (default: the CPUs available; never more than one per algorithm; 1, or an input under 32 MiB, hashes in the main thread). The digests do not depend on it' })
      .epilog(EPILOG) as never,
  handler: action(async (argv: HashArgs) => {
    if (argv.recursive) return recursive(argv);
    for (const o of ['hashdeep', 'esxi-paths', 'prefix'] as const) if (argv[o] !== undefined) throw usage(`--${o} goes with -r (--recursive)`);
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

async function recursive(argv: HashArgs): Promise<number> {
  if (argv.window !== undefined) throw usage('--window is for one disk or file, not with -r');
  if (argv.container) throw usage('-r hashes every file as its bytes already: --container is not needed');
  if (argv.hashdeep && argv.json) throw usage('--hashdeep and --json are two output formats: give one');
  const { runTreeHash } = await import('../hash/tree-hash.js');
  const { commandLine } = await import('../hash/dfxml.js');
  return runTreeHash({
    addresses: argv.addr,
    algorithms: ([] as string[]).concat(argv.algorithm),
    format: argv.hashdeep ? 'hashdeep' : argv.json ? 'json' : 'sums',
    tag: argv.tag,
    esxiPaths: argv['esxi-paths'],
    prefix: argv.prefix,
    dfxml: argv.dfxml,
    force: argv.force,
    progress: argv.quiet ? false : (argv.progress ?? process.stderr.isTTY === true),
    threads: argv.threads,
    open: openOptions(argv),
    commandLine: commandLine(),
  });
}
