import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'snapshots <addr>',
  describe: 'the snapshot tree of a VM folder and the chain of every disk',
  handler: notYet('snapshots', 4),
};
