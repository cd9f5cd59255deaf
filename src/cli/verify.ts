import type { CommandModule } from 'yargs';
import { notYet } from './not-yet.js';

export const command: CommandModule = {
  command: 'verify <addr..>',
  describe: 'check disks or files against md5sum/sha*sum/hashdeep manifests',
  handler: notYet('verify', 6),
};
