import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'cat <addr>',
  describe: "write a disk's or file's raw bytes to stdout",
  handler: notYet('cat', 2),
};
