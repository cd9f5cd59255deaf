import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'convert <src> <dst>',
  describe: 'convert any disk or file to raw (sparse, split or to stdout)',
  handler: notYet('convert', 5),
};
