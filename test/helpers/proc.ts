/** Child processes for tests: always asynchronous, so a stuck read on a mount cannot hang the runner. */
import { spawn } from 'node:child_process';

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface ProcOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: Buffer;
  /** SIGKILL after this long; no limit when absent (the test's own timeout applies). */
  timeoutMs?: number;
}

/** Run `cmd` to completion and collect its output. */
export function runProcess(cmd: string, args: string[], opts: ProcOptions = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
    child.stdin?.end(opts.input);
  });
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a command-line tool and return its output as text. `latin1` keeps
 * every byte of a binary stdout (one char per byte).
 */
export async function runTool(cmd: string, args: string[], opts: { timeoutMs?: number; encoding?: BufferEncoding } = {}): Promise<ToolResult> {
  const r = await runProcess(cmd, args, { timeoutMs: opts.timeoutMs });
  return { code: r.code, stdout: r.stdout.toString(opts.encoding ?? 'utf8'), stderr: r.stderr };
}
