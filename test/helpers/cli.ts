/** Run the real CLI in a child process, as a user would. */
import { BIN } from './paths.js';
import { runProcess, type ProcResult } from './proc.js';

export type CliResult = ProcResult;

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer; timeoutMs?: number } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, VMFSKIT_QUIET_NATIVE: '1', ...opts.env },
    input: opts.input ?? Buffer.alloc(0),
    timeoutMs: opts.timeoutMs ?? 110_000,
  });
}

/** A clean error is exactly one line on stderr, no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trimEnd().split('\n');
  return lines.length === 1 && lines[0]!.startsWith('vmfskit: ') && !/\n\s+at /.test(stderr);
}
