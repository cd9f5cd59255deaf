/**
 * VM logs (vmware*.log) and ESXi host logs (shell.log, auth.log, hostd.log,
 * vmkernel.log, vobd.log …), read as streams: one window at a time, so a log
 * of any size costs the same memory. Per log: first and last time, line
 * count, lines whose time cannot be read, and the events an examiner looks
 * for. Line shapes (sources in corpus/builders/vmfs5/datastore.ts):
 *   ESXi 7/8   2023-12-05T17:42:40.666Z In(05) vmx - MESSAGE
 *   ESXi 5/6   2019-06-01T10:00:05.000Z| vmx| I125: MESSAGE
 *   syslog     2023-12-05T17:36:17.835Z In(14) shell[1053659]: [root]: COMMAND
 *   old hostd  [2011-04-01 15:14:34.203 F5A5AB90 info 'App'] MESSAGE   (no zone: read as UTC)
 *   vobd       2023-11-17T23:01:00.050Z: [UserLevelCorrelator] …
 */
import type { BlockDevice } from '../device/block-device.js';

export type LogEventKind =
  | 'esxi-version' | 'hostname' | 'power-on' | 'power-off' | 'suspend' | 'vmx-exit'
  | 'snapshot-create' | 'snapshot-done' | 'snapshot-remove' | 'consolidate' | 'memory-image' | 'migration'
  | 'shell-command' | 'shell-session' | 'login' | 'ssh-enabled' | 'host-event';

export interface LogEvent {
  /** ISO-8601 UTC, or undefined when the line's time could not be read. */
  time?: string;
  kind: LogEventKind;
  /** 1-based line number in the log. */
  line: number;
  /** The part that matters (version and build, host name, snapshot name, command …). */
  text: string;
}

export interface LogSummary {
  lines: number;
  first?: string;
  last?: string;
  /** Lines that start like a time stamp but whose time is not a real one. */
  badTimes: number;
  firstBadTimeLine?: number;
  /** Lines longer than MAX_LINE: cut there. */
  longLines: number;
  events: LogEvent[];
  /** Events beyond MAX_EVENTS were counted, not kept. */
  eventsDropped: number;
  /** A log that could not be read to its end says why. */
  problem?: string;
}

export const MAX_EVENTS = 10_000;
const MAX_LINE = 64 * 1024;
const WINDOW = 1 << 20;

const ISO = /^\[?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)?/;
const LOOKS_TIMED = /^\[?\d{4}-\d\d-\d\d[T ]/;

/** The time at the start of a line: ISO-8601 string, null when it looks like one but is not valid, undefined when there is none. */
export function lineTime(line: string): string | null | undefined {
  const m = ISO.exec(line);
  if (!m) return LOOKS_TIMED.test(line) ? null : undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const frac = m[7] ? m[7].slice(1, 4).padEnd(3, '0') : '000';
  const zone = m[8] && m[8] !== 'Z' ? (m[8].includes(':') ? m[8] : `${m[8].slice(0, 3)}:${m[8].slice(3)}`) : 'Z';
  const t = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${frac}${zone}`);
  if (Number.isNaN(t.getTime()) || t.getUTCDate() !== (zone === 'Z' ? d : t.getUTCDate())) return null;
  return t.toISOString();
}

/** Message rules, first match wins. The captured group (if any) becomes the event's text. */
const VM_RULES: Array<[RegExp, LogEventKind]> = [
  [/Log for VMware (?:ESX|Workstation|Fusion|Player)[^ ]* pid=\d+ (version=\S+ build=\S+)/, 'esxi-version'],
  [/\bHostname=(\S+)/, 'hostname'],
  [/Transitioned vmx\/execState\/val to (poweredOn)/, 'power-on'],
  [/Transitioned vmx\/execState\/val to (poweredOff)/, 'power-off'],
  [/Transitioned vmx\/execState\/val to (suspended)/, 'suspend'],
  [/(VMX has left the building: \d+)/, 'vmx-exit'],
  [/SnapshotVMX_TakeSnapshot start: '([^']*)'/, 'snapshot-create'],
  [/SnapshotVMXTakeSnapshotComplete: Done with snapshot '([^']*)'/, 'snapshot-done'],
  [/(SnapshotVMX_?(?:Delete|Remove)\w*[^,]*|VMAutomation_RemoveSnapshot\w*)/, 'snapshot-remove'],
  [/(SnapshotVMX_?Consolidate\w*[^.]*|VMAutomation_ConsolidateSnapshots)/, 'consolidate'],
  [/MainMem: Writing full memory image, '([^']*)'/, 'memory-image'],
  [/(Received migrate '(?:from|to)' request for mid id \d+)(?:, src ip <([^>]*)>)?/, 'migration'],
];

const HOST_RULES: Record<string, Array<[RegExp, LogEventKind]>> = {
  shell: [
    [/shell\[\d+\]: \[([^\]]*)\]: (.*)$/, 'shell-command'],
    [/shell\[\d+\]: (Interactive shell session started|.*session (?:started|ended).*)$/, 'shell-session'],
  ],
  auth: [[/sshd\[\d+\]: (Accepted .*|Failed password .*|Session closed .*)$/, 'login']],
  hostd: [
    [/(Event \d+ : .*)$/, 'host-event'],
    [/(SSH access has been enabled.*)$/, 'ssh-enabled'],
  ],
  vobd: [[/\[(esx\.audit\.[\w.]+)\] ?(.*)$/, 'host-event']],
  vmkernel: [],
};

/** Rules for a log file name: vmware*.log, or one of the host logs (rotated copies such as hostd.1.log included). */
export function rulesFor(name: string): { kind: 'vm' | 'host'; log: string; rules: Array<[RegExp, LogEventKind]> } | undefined {
  if (/^vmware(-\d+)?\.log$/i.test(name)) return { kind: 'vm', log: 'vmware', rules: VM_RULES };
  const m = /^(shell|auth|hostd|vmkernel|vobd|vmkwarning|syslog|vpxa|fdm|hostd-probe)(?:[.-]\d+)?\.log$/i.exec(name);
  if (!m) return undefined;
  const log = m[1]!.toLowerCase();
  return { kind: 'host', log, rules: HOST_RULES[log] ?? [] };
}

function eventText(m: RegExpExecArray, kind: LogEventKind): string {
  if (kind === 'shell-command') return m[2] !== undefined ? `[${m[1]}] ${m[2]}` : m[1]!;
  return m.slice(1).filter((x) => x !== undefined).join(' ') || m[0];
}

/** Reads `dev` line by line (UTF-8, CR LF or LF), in windows of 1 MiB. */
export async function summarizeLog(dev: BlockDevice, rules: Array<[RegExp, LogEventKind]>): Promise<LogSummary> {
  const s: LogSummary = { lines: 0, badTimes: 0, longLines: 0, events: [], eventsDropped: 0 };
  // Most logs are small: a window the size of the log (a zeroed 1 MiB per log cost more than reading it).
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(WINDOW, dev.size)));
  let carry = '';
  let carryLong = false;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const take = (line: string) => {
    s.lines++;
    const t = lineTime(line);
    if (t === null) {
      s.badTimes++;
      s.firstBadTimeLine ??= s.lines;
    } else if (t !== undefined) {
      if (s.first === undefined || t < s.first) s.first = t;
      if (s.last === undefined || t > s.last) s.last = t;
    }
    for (const [re, kind] of rules) {
      const m = re.exec(line);
      if (!m) continue;
      if (s.events.length >= MAX_EVENTS) s.eventsDropped++;
      else s.events.push({ time: t ?? undefined, kind, line: s.lines, text: eventText(m, kind).slice(0, 2000) });
      break;
    }
  };
  try {
    for (let off = 0; off < dev.size; ) {
      const n = await dev.read(buf, off);
      if (n <= 0) break;
      off += n;
      const chunk = decoder.decode(buf.subarray(0, n), { stream: off < dev.size });
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
        let line = carry + chunk.slice(start, nl);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (carryLong) s.longLines++;
        take(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line);
        carry = '';
        carryLong = false;
        start = nl + 1;
      }
      carry += chunk.slice(start);
      if (carry.length > MAX_LINE) {
        carry = carry.slice(0, MAX_LINE);
        carryLong = true;
      }
    }
    if (carry) {
      if (carryLong) s.longLines++;
      take(carry.replace(/\r$/, ''));
    }
  } catch (e) {
    s.problem = `read stopped after ${s.lines} lines: ${(e as Error).message}`;
  }
  return s;
}
