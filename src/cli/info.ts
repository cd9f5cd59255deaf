import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'info <addr>',
  describe: 'show what an address holds: VMDK chain, VMFS volume, partitions',
  handler: notYet('info', 2),
};
