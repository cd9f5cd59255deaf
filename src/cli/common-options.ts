/** Options shared by every command that opens an address. */
import type { Argv } from 'yargs';
import type { OpenOptions } from '../open.js';

export interface OpenArgs {
  partition?: number;
  extent?: string[];
  'ignore-cid'?: boolean;
  'ignore-journal'?: boolean;
  'redundant-gd'?: boolean;
}

export function withOpenOptions<T>(y: Argv<T>): Argv<T & OpenArgs> {
  return y
    .option('partition', { type: 'number', describe: 'VMFS partition number when the LUN holds several (1-based)' })
    .option('extent', { type: 'string', array: true, nargs: 1, describe: 'another LUN image of a spanned VMFS datastore (repeatable)' })
    .option('ignore-cid', {
      type: 'boolean',
      describe: "open a delta chain even when a parent's CID does not match the child's parentCID",
    })
    .option('ignore-journal', {
      type: 'boolean',
      describe: 'read SESparse deltas whose journal was never replayed (their grain maps may be stale)',
    })
    .option('redundant-gd', {
      type: 'boolean',
      describe: 'recovery: read hosted sparse extents through their redundant grain directory (when the primary one is damaged)',
    }) as Argv<T & OpenArgs>;
}

export function openOptions(a: OpenArgs): OpenOptions {
  return { partition: a.partition, extents: a.extent, ignoreCidMismatch: a['ignore-cid'], ignoreDirtyJournal: a['ignore-journal'], redundantGd: a['redundant-gd'] };
}

export const ADDRESS_HELP =
  'ADDR is a host path (disk.vmdk, lun.img, /dev/sdb) or a path inside the VMFS volume of a LUN image: lun.img::/VM/VM.vmdk';
