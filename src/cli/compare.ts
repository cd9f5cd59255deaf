import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'compare <a> <b>',
  describe: 'compare two sources bit for bit',
  handler: notYet('compare', 6),
};
