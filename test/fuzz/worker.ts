/**
 * A fuzz worker (forked by main.ts): sets one target up, then runs the cases
 * it is sent and answers each with its verdict and what it cost. The parent
 * watches its CPU time and RSS and kills it on a hang or a blow-up.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { runCase } from './run-case.js';
import type { Fixture } from './target.js';
import { targetNamed } from './targets/index.js';

export interface SetupMsg {
  op: 'setup';
  format: string;
  shared: unknown;
  cache: string;
}
export interface CaseMsg {
  op: 'case';
  seed: number;
  index: number;
}
export interface ResultMsg {
  op: 'result';
  index: number;
  verdict: import('./run-case.js').Verdict;
  cpuMs: number;
  wallMs: number;
  maxRssMiB: number;
}

const scratchRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const dir = path.join(scratchRoot, `vmfskit-fuzz-${process.pid}`);
mkdirSync(dir, { recursive: true });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let fixture: Fixture<unknown> | null = null;
let format = '';
let current = -1;

function send(m: unknown): void {
  process.send!(m);
}

// Whatever escapes a case (a stray promise, an exception in a callback) is that case's crash.
for (const ev of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(ev, (e: unknown) => {
    const err = e as Error;
    send({ op: 'escaped', index: current, message: `${ev}: ${String(err?.stack ?? err).split('\n').slice(0, 8).join('\n')}` });
    process.exit(70);
  });
}

process.on('message', async (m: SetupMsg | CaseMsg) => {
  if (m.op === 'setup') {
    format = m.format;
    fixture = await targetNamed(m.format).setup(m.shared, m.cache);
    send({ op: 'ready' });
    return;
  }
  current = m.index;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const verdict = await runCase(fixture!, format, m.seed, m.index, dir);
  const cpu = process.cpuUsage(cpu0);
  send({ op: 'result', index: m.index, verdict, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0, maxRssMiB: process.resourceUsage().maxRSS / 1024 } satisfies ResultMsg);
});
process.on('disconnect', () => process.exit(0));
