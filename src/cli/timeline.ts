import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withOpenOptions, openOptions, type OpenArgs } from './common-options.js';

interface Args extends OpenArgs {
  addr: string;
  prefix?: string;
  events?: boolean;
  format?: 'body' | 'csv' | 'jsonl';
}

export const command: CommandModule<object, Args> = {
  command: 'timeline <addr>',
  describe: 'every file of a VMFS volume or host folder as a TSK bodyfile (mactime -b), or CSV/JSONL for Timesketch; --events adds the VM and host log events',
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: 'a LUN image (every VMFS volume in it), lun.img::/folder, or a host folder' })
      .option('prefix', { type: 'string', describe: 'put PREFIX in front of every path, as fls -m does (default: /vmfs/volumes/<label> for a VMFS volume, nothing for a host folder)' })
      .option('events', { type: 'boolean', describe: 'add the log events triage finds (power on/off, snapshots, migrations, ESXi version and host name, shell commands, logins) as lines of their own' })
      .option('format', { choices: ['body', 'csv', 'jsonl'] as const, default: 'body' as const, describe: 'body: MD5|name|inode|mode|uid|gid|size|atime|mtime|ctime|crtime; csv/jsonl: Timesketch rows (datetime, timestamp_desc, message, …), one per timestamp' })
      .epilogue(
        'Bodyfile times are epoch seconds, 0 when unknown (VMFS has no birth time: crtime is 0); the inode is the VMFS FD address. ' +
          'An event line has the event time as all four times (one macb row in mactime), size 0, and "LOG:LINE [kind] text" as its name. ' +
          'Example: vmfskit timeline lun.img > body.txt && mactime -b body.txt -d -y > timeline.csv',
      ) as never,
  handler: action(async (argv: Args) => {
    const { openSources } = await import('../inventory/triage.js');
    const tl = await import('../inventory/timeline.js');
    const { writeOut } = await import('./output.js');
    const problems: Array<{ file: string; problem: string }> = [];
    const sources = await openSources(argv.addr, openOptions(argv), problems);
    const format = argv.format ?? 'body';
    let out: string[] = [];
    let bytes = 0;
    const put = async (line: string) => {
      out.push(line);
      bytes += line.length + 1;
      if (bytes >= 1 << 16) {
        const chunk = out.join('\n') + '\n';
        out = [];
        bytes = 0;
        await writeOut(chunk);
      }
    };
    const prefixOf = new Map<string, string>();
    try {
      if (format === 'csv') await put(tl.CSV_HEADER);
      for (const src of sources) {
        const prefix = argv.prefix ?? tl.defaultPrefix(src);
        prefixOf.set(src.address, prefix);
        await tl.timelineFiles(src, prefix, async (f) => {
          if (format === 'body') await put(tl.bodyLine(f));
          else for (const r of tl.sketchRows(f, src.address)) await put(format === 'csv' ? tl.csvLine(r) : JSON.stringify(r));
        }, (file, problem) => problems.push({ file, problem }));
      }
    } finally {
      for (const s of sources) await s.close();
    }
    if (argv.events) {
      const { triage } = await import('../inventory/triage.js');
      const t = await triage([argv.addr], openOptions(argv));
      try {
        const logs = [...t.report.vms.flatMap((v) => v.logs), ...t.report.hostLogs];
        for (const l of logs) {
          const prefix = prefixOf.get(l.source) ?? '';
          for (const e of l.events) {
            if (!e.time) continue;
            const ev = { time: Math.floor(Date.parse(e.time) / 1000), iso: e.time, file: prefix + l.path, kind: e.kind, text: e.text, line: e.line };
            if (format === 'body') await put(tl.eventBodyLine(ev));
            else {
              const r = tl.eventRow(ev, l.source);
              await put(format === 'csv' ? tl.csvLine(r) : JSON.stringify(r));
            }
          }
        }
        problems.push(...t.report.problems);
      } finally {
        await t.close();
      }
    }
    if (out.length) await writeOut(out.join('\n') + '\n');
    for (const p of problems) process.stderr.write(`vmfskit: warning: ${p.file}: ${p.problem}\n`);
  }),
};
