import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'ls <addr>',
  describe: 'list a directory inside a VMFS volume (lun.img::/path)',
  handler: notYet('ls', 3),
};
