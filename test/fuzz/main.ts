/**
 * npm run fuzz -- [--format F[,F...]|all] [--seed N] [--cases N] [--timeout S] [--jobs N] [--json FILE]
 *                 [--case N [--save DIR]] [--rss MiB]
 *
 * Seeded mutation fuzzing of every parser (targets/index.ts). Each case runs
 * in a forked worker under a watchdog: more than --timeout seconds of CPU
 * time (default 5) is a hang — CPU, not wall time, so a machine loaded by
 * other jobs does not raise false hangs; a wall limit 12 times larger
 * catches a case stuck without using CPU — more than --rss MiB resident
 * (default 1024) is a blow-up, and any outcome other than data or a
 * VmfskitError is a crash. Exit status 1 when anything was found.
 *
 * A case is reproduced from its format, seed and number alone:
 *   npm run fuzz -- --format vmdk-sparse --seed 1 --case 1234 --save /tmp/case
 * prints its verdict and writes its damaged files (file targets) to /tmp/case.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CACHE } from './seeds.js';
import { caseRng } from './mutate.js';
import type { Verdict } from './run-case.js';
import { TARGETS, targetNamed } from './targets/index.js';
import type { ResultMsg } from './worker.js';

interface Options {
  formats: string[];
  seed: number;
  cases: number;
  timeout: number;
  rssMiB: number;
  jobs: number;
  json?: string;
  one?: number;
  save?: string;
  quiet: boolean;
}

function parse(argv: string[]): Options {
  const o: Options = { formats: TARGETS.map((t) => t.name), seed: 1, cases: 10_000, timeout: 5, rssMiB: 1024, jobs: 1, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const num = () => {
      const x = Number(v());
      if (!Number.isFinite(x) || x < 0) throw new Error(`${a}: not a number`);
      return x;
    };
    if (a === '--format') {
      const f = v();
      o.formats = f === 'all' ? o.formats : f.split(',');
      for (const x of o.formats) targetNamed(x);
    } else if (a === '--seed') o.seed = num();
    else if (a === '--cases') o.cases = num();
    else if (a === '--timeout') o.timeout = num();
    else if (a === '--rss') o.rssMiB = num();
    else if (a === '--jobs') o.jobs = Math.max(1, num());
    else if (a === '--json') o.json = v();
    else if (a === '--case') o.one = num();
    else if (a === '--save') o.save = v();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, '') + `\nformats: ${TARGETS.map((t) => `\n  ${t.name}: ${t.about}`).join('')}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

export interface Finding {
  kind: 'crash' | 'hang' | 'blow-up';
  index: number;
  what: string;
  message: string;
}

export interface FormatSummary {
  format: string;
  seed: number;
  cases: number;
  data: number;
  /** Read as plain bytes (not recognised as the format). */
  container: number;
  errors: number;
  errorCodes: Record<string, number>;
  crashes: number;
  hangs: number;
  blowUps: number;
  maxRssMiB: number;
  slowest: { index: number; cpuMs: number; wallMs: number } | null;
  seconds: number;
  findings: Finding[];
}

const TICKS = 100; // USER_HZ on Linux

function procCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS;
  } catch {
    return 0;
  }
}

function procRssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

class Worker {
  child!: ChildProcess;
  busy: { index: number; cpu0: number; t0: number; resolve: (r: ResultMsg | Finding) => void } | null = null;
  private ready!: Promise<void>;

  constructor(
    private readonly format: string,
    private readonly shared: unknown,
    private readonly o: Options,
    private readonly onRss: (mib: number) => void,
  ) {
    this.start();
  }

  private start(): void {
    this.child = fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=2048'] });
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: { op: string }) => {
        if (m.op === 'ready') {
          this.child.off('message', onMsg);
          resolve();
        }
      };
      this.child.on('message', onMsg);
      this.child.once('exit', (code) => reject(new Error(`fuzz worker for ${this.format} exited (${code}) during setup`)));
    });
    this.ready.catch(() => {});
    this.child.on('message', (m: { op: string; index?: number; message?: string }) => {
      if (!this.busy) return;
      if (m.op === 'result') this.finish(m as ResultMsg);
      else if (m.op === 'escaped') this.finish({ kind: 'crash', index: this.busy.index, what: '', message: m.message ?? '' });
    });
    this.child.on('exit', (code, signal) => {
      if (this.busy) this.finish({ kind: 'crash', index: this.busy.index, what: '', message: `worker died: exit ${code} signal ${signal}` });
    });
    this.child.send({ op: 'setup', format: this.format, shared: this.shared, cache: CACHE });
  }

  private finish(r: ResultMsg | Finding): void {
    const b = this.busy!;
    this.busy = null;
    b.resolve(r);
  }

  async run(index: number): Promise<ResultMsg | Finding> {
    // A worker that died (a crash escaped a case) is replaced before the next case.
    if (this.child.exitCode !== null || this.child.signalCode !== null) this.restart();
    await this.ready;
    return new Promise((resolve) => {
      this.busy = { index, cpu0: procCpuMs(this.child.pid!), t0: Date.now(), resolve };
      this.child.send({ op: 'case', seed: this.o.seed, index });
    });
  }

  /** Called every 200 ms: a case over its CPU budget is a hang, a worker over the RSS limit a blow-up. */
  watch(): void {
    if (!this.busy) return;
    const pid = this.child.pid!;
    const cpu = procCpuMs(pid) - this.busy.cpu0;
    const wall = Date.now() - this.busy.t0;
    const rss = procRssMiB(pid);
    this.onRss(rss);
    let f: Finding | null = null;
    if (cpu > this.o.timeout * 1000) f = { kind: 'hang', index: this.busy.index, what: '', message: `more than ${this.o.timeout} s of CPU time (${Math.round(cpu)} ms)` };
    else if (wall > this.o.timeout * 12_000) f = { kind: 'hang', index: this.busy.index, what: '', message: `${Math.round(wall / 1000)} s wall time (${Math.round(cpu)} ms CPU)` };
    else if (rss > this.o.rssMiB) f = { kind: 'blow-up', index: this.busy.index, what: '', message: `resident set ${Math.round(rss)} MiB > ${this.o.rssMiB} MiB` };
    if (!f) return;
    this.finish(f);
    this.restart();
  }

  private restart(): void {
    this.child.removeAllListeners();
    this.child.kill('SIGKILL');
    this.start();
  }

  async close(): Promise<void> {
    this.child.removeAllListeners('exit');
    this.child.disconnect();
  }
}

async function fuzzFormat(format: string, o: Options, indices: number[]): Promise<FormatSummary> {
  const t0 = Date.now();
  const target = targetNamed(format);
  const shared = target.shared ? await target.shared(CACHE) : null;
  const s: FormatSummary = { format, seed: o.seed, cases: 0, data: 0, container: 0, errors: 0, errorCodes: {}, crashes: 0, hangs: 0, blowUps: 0, maxRssMiB: 0, slowest: null, seconds: 0, findings: [] };
  const onRss = (m: number) => (s.maxRssMiB = Math.max(s.maxRssMiB, m));
  const workers = Array.from({ length: Math.min(o.jobs, indices.length) }, () => new Worker(format, shared, o, onRss));
  const timer = setInterval(() => workers.forEach((w) => w.watch()), 200);
  // Describing a finding needs the fixture: made in this process only when there is one.
  let describer: ((i: number) => string) | null = null;
  const describe = async (i: number) => {
    if (!describer) {
      const fx = await target.setup(shared, CACHE);
      describer = (k) => fx.describe(fx.mutate(caseRng(format, o.seed, k)));
    }
    return describer(i);
  };
  let next = 0;
  let done = 0;
  try {
  await Promise.all(
    workers.map(async (w) => {
      while (next < indices.length) {
        const index = indices[next++]!;
        const r = await w.run(index);
        s.cases++;
        if ('op' in r) {
          const v: Verdict = r.verdict;
          s.maxRssMiB = Math.max(s.maxRssMiB, r.maxRssMiB);
          if (!s.slowest || r.cpuMs > s.slowest.cpuMs) s.slowest = { index, cpuMs: Math.round(r.cpuMs), wallMs: Math.round(r.wallMs) };
          if (v.kind === 'data') {
            s.data++;
            if (v.container) s.container++;
          } else if (v.kind === 'error') {
            s.errors++;
            s.errorCodes[v.code!] = (s.errorCodes[v.code!] ?? 0) + 1;
          } else {
            s.crashes++;
            s.findings.push({ kind: 'crash', index, what: v.what, message: v.message ?? '' });
          }
        } else {
          if (r.kind === 'hang') s.hangs++;
          else if (r.kind === 'blow-up') s.blowUps++;
          else s.crashes++;
          s.findings.push({ ...r, what: await describe(index) });
        }
        if (!o.quiet && ++done % 500 === 0) process.stderr.write(`fuzz ${format}: ${done}/${indices.length} (${s.findings.length} found)\n`);
      }
    }),
  );
  } finally {
    clearInterval(timer);
    await Promise.all(workers.map((w) => w.close().catch(() => {})));
  }
  s.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return s;
}

function line(s: FormatSummary): string {
  const codes = Object.entries(s.errorCodes).map(([k, v]) => `${k} ${v}`).join(', ');
  const slow = s.slowest ? `case ${s.slowest.index} ${s.slowest.cpuMs} ms CPU / ${s.slowest.wallMs} ms` : '-';
  return `${s.format}: ${s.cases} cases, ${s.data} data (${s.container} as plain bytes), ${s.errors} clean errors (${codes}), ${s.crashes} crashes, ${s.hangs} hangs, ${s.blowUps} blow-ups; max RSS ${Math.round(s.maxRssMiB)} MiB; slowest ${slow}; ${s.seconds} s`;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (o.one !== undefined && o.save) {
    for (const f of o.formats) {
      const t = targetNamed(f);
      const fx = await t.setup(t.shared ? await t.shared(CACHE) : null, CACHE);
      const input = fx.mutate(caseRng(f, o.seed, o.one));
      process.stdout.write(`${f} seed ${o.seed} case ${o.one}: ${fx.describe(input)}\n`);
      if (fx.save) process.stdout.write(`saved: ${fx.save(input, o.save).join(' ')}\n`);
    }
  }
  const indices = o.one !== undefined ? [o.one] : Array.from({ length: o.cases }, (_, i) => i);
  const all: FormatSummary[] = [];
  for (const f of o.formats) {
    const s = await fuzzFormat(f, o, indices);
    all.push(s);
    process.stdout.write(line(s) + '\n');
    for (const x of s.findings.slice(0, 20)) process.stdout.write(`  ${x.kind} ${f} --seed ${o.seed} --case ${x.index}: ${x.what}\n    ${x.message.replace(/\n/g, '\n    ')}\n`);
  }
  if (o.json) writeFileSync(o.json, JSON.stringify(all, null, 2) + '\n');
  process.exitCode = all.some((s) => s.findings.length) ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`fuzz: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 2;
});
