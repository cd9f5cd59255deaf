/**
 * vmfskit command line. Each command lives in its own file and imports its
 * implementation lazily inside the handler, so `--help` answers at once.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.js';
import { VERSION } from '../version.js';

const EPILOG = `Exit status: 0 success / identical / verified; 1 differs / verification failed;
2 usage error or input cannot be opened; 3 input corrupt or inconsistent; 4 I/O error;
130/143 interrupted. Evidence is only ever opened read-only.`;

export async function main(argv: string[]): Promise<void> {
  let y = yargs(argv)
    .scriptName('vmfskit')
    .usage('$0 <command> [options]\n\nRead VMware evidence on Linux: VMFS-5 LUN images, VMDK chains, snapshots.')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .epilog(EPILOG)
    .wrap(null)
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`vmfskit: ${msg}\nTry 'vmfskit --help'.\n`);
      process.exit(2);
    });
  for (const c of commands) y = y.command(c);
  skipHelpCaching(y);
  await y.parseAsync();
}

/**
 * yargs renders the whole help text before every command handler runs, only
 * to have it ready should the handler fail and help be wanted; our failures
 * never print help, and the rendering costs ~50 ms of start-up on every
 * `cat`/`convert`/`hash`. Its internal hook is replaced by a no-op; if a
 * future yargs drops the hook, nothing breaks, the start-up is just slower.
 */
function skipHelpCaching(y: unknown): void {
  const internals = (y as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

await main(hideBin(process.argv));
