import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { ADDRESS_HELP, openOptions, withOpenOptions, type OpenArgs } from './common-options.js';

interface MountArgs extends OpenArgs {
  addr: string;
  mountpoint: string;
  foreground?: boolean;
  'allow-other'?: boolean;
  log?: string;
  uid?: number;
  gid?: number;
  umask?: string;
  'ready-fd'?: number;
  json?: boolean;
}

export const command: CommandModule<object, MountArgs> = {
  command: 'mount <addr> <mountpoint>',
  describe: 'mount a LUN image or VMDK read-only through FUSE',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: ADDRESS_HELP })
      .positional('mountpoint', { type: 'string', demandOption: true, describe: 'an existing empty directory' })
      .option('foreground', { type: 'boolean', describe: 'stay in the foreground (log on stderr; Ctrl-C unmounts)' })
      .option('allow-other', { type: 'boolean', describe: 'let other users enter the mount (FUSE allow_other; modes are still enforced)' })
      .option('uid', { type: 'number', describe: 'show every file as owned by this user id (default: as stored)' })
      .option('gid', { type: 'number', describe: 'show every file as owned by this group id (default: as stored)' })
      .option('umask', { type: 'string', describe: 'octal permission bits to remove from every mode shown, e.g. 027' })
      .option('log', { type: 'string', describe: 'log file of the background mount process (default: in the temp dir)' })
      .option('json', { type: 'boolean', describe: 'print the mount point, daemon pid, log file and mount options as JSON' })
      .option('ready-fd', { type: 'number', hidden: true })
      .epilog(
        'A VMFS LUN shows the datastore tree plus .disks/<VM>/<disk>[@<snapshot>].raw, one raw view per disk state;\n' +
          'a VMDK shows one raw view per chain state: <disk>.raw for the state addressed and <disk>@<parent>.raw for each\n' +
          'earlier one, named after the snapshots instead when a .vmsd beside the disk names them. Always read-only.',
      ) as never,
  handler: action(async (argv: MountArgs) => {
    const { mountCommand } = await import('../fuse/mount-command.js');
    const { writeOut } = await import('./output.js');
    const code = await mountCommand(
      {
        addr: argv.addr,
        mountpoint: argv.mountpoint,
        foreground: !!argv.foreground,
        allowOther: !!argv['allow-other'],
        open: openOptions(argv),
        log: argv.log,
        uid: argv.uid,
        gid: argv.gid,
        umask: argv.umask,
        readyFd: argv['ready-fd'],
        json: argv.json,
      },
      writeOut,
    );
    // A foreground mount leaves native handles behind: end the process explicitly.
    if (argv.foreground) process.exit(code);
    return code;
  }),
};
