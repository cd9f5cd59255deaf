import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'map <addr>',
  describe: 'allocation map of a disk or file: data and zero runs, and which chain layer answers',
  handler: notYet('map', 2),
};
