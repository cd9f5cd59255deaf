import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { ADDRESS_HELP, openOptions, withOpenOptions, type OpenArgs } from './common-options.js';

interface MountArgs extends OpenArgs {
  addr: string;
  mountpoint: string;
  foreground?: boolean;
  'allow-other'?: boolean;
  log?: string;
  'ready-fd'?: number;
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
      .option('log', { type: 'string', describe: 'log file of the background mount process (default: in the temp dir)' })
      .option('ready-fd', { type: 'number', hidden: true })
      .epilog(
        'A VMFS LUN shows the datastore tree plus .disks/<VM>/<disk>[@<snapshot>].raw, one raw view per disk state;\n' +
          'a VMDK shows <disk>.raw and one <disk>@<parent>.raw per earlier chain state. Always read-only.',
      ) as never,
  handler: action(async (argv: MountArgs) => {
    const o = openOptions(argv);
    if (!argv.foreground) {
      const { launch } = await import('../fuse/launcher.js');
      const childArgs = [argv.addr, argv.mountpoint];
      if (argv['allow-other']) childArgs.push('--allow-other');
      if (argv.partition !== undefined) childArgs.push('--partition', String(argv.partition));
      for (const e of argv.extent ?? []) childArgs.push('--extent', e);
      if (argv['ignore-cid']) childArgs.push('--ignore-cid');
      const say = (line: string) => process.stderr.write(`vmfskit: ${line}\n`);
      const r = await launch({ mountpoint: argv.mountpoint, childArgs, logFile: argv.log, say });
      const { writeOut } = await import('./output.js');
      await writeOut(`mounted ${argv.addr} read-only on ${argv.mountpoint} (pid ${r.pid}, log ${r.logFile})\nunmount with: vmfskit umount ${argv.mountpoint}\n`);
      return 0;
    }
    const { serve, reportReady } = await import('../fuse/daemon.js');
    try {
      const code = await serve({ addr: argv.addr, mountpoint: argv.mountpoint, allowOther: !!argv['allow-other'], open: o, readyFd: argv['ready-fd'] });
      process.exit(code);
    } catch (e) {
      const { isVmfskitError } = await import('../errors.js');
      const message = isVmfskitError(e) ? e.message : (e as Error)?.message ?? String(e);
      reportReady(argv['ready-fd'], { ok: false, message, exitCode: isVmfskitError(e) ? e.exitCode : 70 });
      throw e;
    }
  }),
};
