/** Options shared by every command that opens an address. */
import type { Argv } from 'yargs';
import type { OpenOptions } from '../open.js';

export interface OpenArgs {
  partition?: number;
  'sector-size'?: number;
  extent?: string[];
  'ignore-cid'?: boolean;
  'ignore-journal'?: boolean;
  'redundant-gd'?: boolean;
  parent?: string[];
  container?: boolean;
}

/** --container, for the commands that read an address's bytes (hash and verify word it their own way). */
export const CONTAINER_HELP = "read the file's own bytes, not a VMDK's virtual disk: also how a file that looks like a damaged VMDK (refused, exit 3) is read";

export function withContainerOption<T>(y: Argv<T>): Argv<T & { container?: boolean }> {
  return y.option('container', { type: 'boolean', describe: CONTAINER_HELP }) as Argv<T & { container?: boolean }>;
}

export function withOpenOptions<T>(y: Argv<T>): Argv<T & OpenArgs> {
  return y
    .option('partition', { type: 'number', describe: 'VMFS partition number when the LUN holds several (1-based)' })
    .option('sector-size', {
      type: 'number',
      choices: [512, 4096],
      describe: 'sector size of the LUN or disk (GPT/MBR LBAs): found from where the GPT header is (byte 512 or 4096) unless given',
    })
    .option('extent', { type: 'string', array: true, nargs: 1, describe: 'another LUN image of a spanned VMFS datastore (repeatable)' })
    .option('ignore-cid', {
      type: 'boolean',
      describe: "open a delta chain even when a parent's CID does not match the child's parentCID",
    })
    .option('ignore-journal', {
      type: 'boolean',
      describe: 'read SESparse deltas whose journal was never replayed (their grain maps may be stale)',
    })
    .option('parent', {
      type: 'string',
      array: true,
      nargs: 1,
      describe:
        'ADDR of the parent of a delta whose descriptor is gone (a -delta.vmdk, -sesparse.vmdk or hosted sparse child); repeat for deeper chains, nearest parent first. A raw -flat.vmdk is taken as a flat base. Both CIDs are reported; a hosted sparse child whose parentCID differs needs --ignore-cid (COWD and SESparse keep none)',
    })
    .option('redundant-gd', {
      type: 'boolean',
      describe: 'recovery: read hosted sparse extents through their redundant grain directory (when the primary one is damaged)',
    }) as Argv<T & OpenArgs>;
}

export function openOptions(a: OpenArgs): OpenOptions {
  return { partition: a.partition, sectorSize: a['sector-size'] as 512 | 4096 | undefined, extents: a.extent, ignoreCidMismatch: a['ignore-cid'], ignoreDirtyJournal: a['ignore-journal'], redundantGd: a['redundant-gd'], ...(a.parent?.length ? { parentAddresses: a.parent } : {}), container: a.container };
}

export const ADDRESS_HELP =
  'ADDR is a host path (disk.vmdk, lun.img, /dev/sdb) or a path inside the VMFS volume of a LUN image: lun.img::/VM/VM.vmdk. ' +
  'A trailing #pN names partition N of that disk (disk.vmdk#p2, lun.img::/VM/VM-000001.vmdk#p1; without a readable table, candidate N of partitions --scan), ' +
  '#pN:repaired the same with a destroyed NTFS/FAT32 boot sector or ext superblock read from its backup; a file whose name really ends in #pN is that file.';

/** Runs a plain invocation of a command, or answers undefined for yargs to parse it. */
export type Plain = (tokens: string[]) => (() => Promise<void>) | undefined;

/**
 * The arguments yargs would give for a plain invocation — the command's positionals, in order
 * (none starting with '-'), and boolean switches from `switches` (name → one-letter alias; each
 * at most once; letters groupable as -lR) — or undefined for anything else (another option, a
 * value, `--`, --help, --version, a positional too many or too few), which yargs parses as ever.
 * Plain invocations (scripts, `cat ADDR`, `ls -l -R ADDR`, `compare A B`) so skip loading yargs.
 */
export function plainArgs(tokens: string[], positional: string | string[], switches: Record<string, string> = {}): Record<string, string | boolean> | undefined {
  const names = typeof positional === 'string' ? [positional] : positional;
  const args: Record<string, string | boolean> = {};
  let given = 0;
  const set = (name: string | undefined) => {
    if (name === undefined || names.includes(name) || args[name] !== undefined) return false;
    args[name] = true;
    return true;
  };
  const byAlias = (letter: string) => Object.keys(switches).find((n) => switches[n] === letter);
  for (const t of tokens) {
    if (t.startsWith('--')) {
      if (!(Object.hasOwn(switches, t.slice(2)) && set(t.slice(2)))) return undefined;
    } else if (t.startsWith('-')) {
      if (t.length < 2) return undefined;
      for (const letter of t.slice(1)) if (!set(byAlias(letter))) return undefined;
    } else {
      if (t === '' || given >= names.length) return undefined;
      args[names[given++]!] = t;
    }
  }
  return given === names.length ? args : undefined;
}
