import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'stat <addr>',
  describe: 'everything about one file inside a VMFS volume',
  handler: notYet('stat', 3),
};
