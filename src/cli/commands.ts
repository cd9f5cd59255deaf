/** The command files, in the order --help shows them; a file is loaded only when needed. */
import type { CommandModule } from 'yargs';
import type { Plain } from './common-options.js';

export interface CommandFile {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  command: CommandModule<any, any>;
  /** Runs a plain invocation of the command without yargs (see plainArgs). */
  plain?: Plain;
}

export const commandFiles: Record<string, () => Promise<CommandFile>> = {
  info: () => import('./info.js'),
  map: () => import('./map.js'),
  cat: () => import('./cat.js'),
  ls: () => import('./ls.js'),
  stat: () => import('./stat.js'),
  extract: () => import('./extract.js'),
  snapshots: () => import('./snapshots.js'),
  triage: () => import('./triage.js'),
  timeline: () => import('./timeline.js'),
  freespace: () => import('./freespace.js'),
  partitions: () => import('./partitions.js'),
  convert: () => import('./convert.js'),
  hash: () => import('./hash.js'),
  verify: () => import('./verify.js'),
  compare: () => import('./compare.js'),
  entropy: () => import('./entropy.js'),
  descriptor: () => import('./descriptor.js'),
  mount: () => import('./mount.js'),
  umount: () => import('./umount.js'),
};
