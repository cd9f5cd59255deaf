import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'extract <addr> <destdir>',
  describe: 'copy files or trees out of a VMFS volume (modes, times, holes kept)',
  handler: notYet('extract', 3),
};
