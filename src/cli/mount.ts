import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'mount <addr> <mountpoint>',
  describe: 'mount a LUN image or VMDK read-only through FUSE',
  handler: notYet('mount', 7),
};
