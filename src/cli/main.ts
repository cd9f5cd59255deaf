/**
 * vmfskit command line. Each command lives in its own file and imports its
 * implementation lazily inside the handler, so `--help` answers at once.
 * Nothing is imported up front: a plain `cat ADDR` or `ls -l -R ADDR` loads
 * only its own command file and never yargs (loading and running yargs with
 * every command file is ~40 ms of CPU, as much as cat moves 1 GiB in); any
 * other line naming a command loads yargs and that command's file only.
 */
import { commandFiles } from './commands.js';

const EPILOG = `Exit status: 0 success / identical / verified; 1 differs / verification failed;
2 usage error or input cannot be opened; 3 input corrupt or inconsistent; 4 I/O error;
130/143 interrupted. Evidence is only ever opened read-only.`;

/** "0.1.0", or "0.1.0 (sea, node v20.20.2, git 1a2b3c4)" from the self-contained executable. */
async function versionText(): Promise<string> {
  const { VERSION, buildInfo } = await import('../version.js');
  const build = buildInfo();
  return build ? `${VERSION} (${build})` : VERSION;
}

/** Run the command line `argv` (without node and the script); bin/vmfskit and src/sea/entry.ts call it. */
export async function main(argv: string[]): Promise<void> {
  const name = argv[0];
  // Asked for on its own, the version needs neither yargs nor any command file.
  if (argv.length === 1 && argv[0] === '--version') return void process.stdout.write(`${await versionText()}\n`);
  const named = name !== undefined && Object.hasOwn(commandFiles, name) ? await commandFiles[name]!() : undefined;
  const run = named?.plain?.(argv.slice(1));
  if (run) return run();
  const [{ default: yargs }, version] = await Promise.all([import('yargs'), versionText()]);
  // A line that starts with a command runs that command, whatever follows: yargs needs only its
  // file (loading all thirteen costs ~20 ms). Anything else (--help, a typo) gets the full list.
  const commands = named ? [named.command] : await Promise.all(Object.values(commandFiles).map(async (load) => (await load()).command));
  let y = yargs(argv)
    .scriptName('vmfskit')
    .usage('$0 <command> [options]\n\nRead VMware evidence on Linux: VMFS-3/5/6 and VMFS-L LUN images, VMDK chains, snapshots.')
    .version(version)
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
