import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'umount <mountpoint>',
  describe: 'unmount a vmfskit mount',
  handler: notYet('umount', 7),
};
