import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'hash <addr..>',
  describe: 'hash disks or files: several algorithms in one read pass',
  handler: notYet('hash', 6),
};
