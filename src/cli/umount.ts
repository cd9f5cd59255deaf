import type { CommandModule } from 'yargs';
import { action } from './run.js';

interface UmountArgs {
  mountpoint: string;
  lazy?: boolean;
}

export const command: CommandModule<object, UmountArgs> = {
  command: 'umount <mountpoint>',
  describe: 'unmount a vmfskit mount',
  builder: (y) =>
    y
      .positional('mountpoint', { type: 'string', demandOption: true })
      .option('lazy', { type: 'boolean', describe: 'detach now even if files are open (fusermount -uz)' }) as never,
  handler: action(async (argv: UmountArgs) => {
    const { unmountMountpoint } = await import('../fuse/umount-command.js');
    await unmountMountpoint(argv.mountpoint, !!argv.lazy);
  }),
};
