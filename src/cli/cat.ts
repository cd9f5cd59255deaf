import type { CommandModule } from 'yargs';
import type { Opened } from '../open.js';
import { action, BrokenPipe } from './run.js';
import { withContainerOption, withOpenOptions, openOptions, plainArgs, ADDRESS_HELP, type OpenArgs, type Plain } from './common-options.js';

interface CatArgs extends OpenArgs {
  addr: string;
}

export const command: CommandModule<object, CatArgs> = {
  command: 'cat <addr>',
  describe: "write a disk's or file's raw bytes to stdout",
  builder: (y) =>
    withContainerOption(withOpenOptions(y))
      .positional('addr', { type: 'string', demandOption: true, describe: 'what to read (ADDR)' })
      .epilog(`${ADDRESS_HELP}\nA VMDK is written as its virtual disk (the whole chain); a closed pipe (| head) ends quietly.`) as never,
  handler: action(async (argv: CatArgs) => {
    const { openAddress } = await import('../open.js');
    const opened = await openAddress(argv.addr, openOptions(argv));
    try {
      for (const l of opened.vmdk?.layers ?? []) for (const w of l.warnings) process.stderr.write(`vmfskit: warning: ${l.filename}: ${w}\n`);
      const dev = opened.device;
      const done = await catByKernel(opened);
      if (done === dev.size) return;
      const { catDevice } = await import('../vmdk/cat-device.js');
      const { SliceDevice } = await import('../device/slice-device.js');
      const { writeOut } = await import('./output.js');
      await catDevice(done === 0 ? dev : new SliceDevice(dev, done, dev.size - done), writeOut);
    } finally {
      await opened.close();
    }
  }),
};

export const plain: Plain = (tokens) => {
  const args = plainArgs(tokens, 'addr');
  return args && (() => command.handler(args as never) as Promise<void>);
};

const STDOUT = 1;
/** Map windows: a thick file maps as one run per window, a thin one as up to a run per block. */
const MAP_WINDOW = 1 << 30;
const ZEROS = 8 << 20;

/**
 * Write the device's bytes to stdout with sendfile(2) for as long as its data lies raw in a host
 * file it was opened from (a file in VMFS, a raw host file or device): the kernel hands page-cache
 * pages to stdout, nothing is copied through JavaScript. Returns the offset it got to: the device's
 * size, or where the read path must take over — a run not stored raw in a held host file, no
 * addon, an output sendfile cannot write to (EINVAL: O_APPEND, some ttys), a short or failed
 * transfer (that path rereads the range and reports any error with its file and offset).
 * process.stdout is left untouched until then: Node makes a pipe non-blocking once it is used.
 */
async function catByKernel(opened: Opened): Promise<number> {
  if (opened.kind === 'vmdk') return 0;
  const { native } = await import('../device/native.js');
  const addon = native();
  if (!addon?.sendFile) return 0;
  const { FileDevice } = await import('../device/file-device.js');
  const { checkContiguous } = await import('../device/sequential.js');
  const held = opened.volume ? (opened.volume as import('../vmfs/index.js').VmfsVolumeDetails).hostDevices() : [opened.device];
  const fds = new Map<string, number>();
  for (const d of held) if (d instanceof FileDevice) fds.set(d.name, d.fd);
  const dev = opened.device;
  let zeros: Buffer | undefined;
  let pos = 0;
  while (pos < dev.size) {
    const end = Math.min(dev.size, pos + MAP_WINDOW);
    const runs = await dev.map(pos, end - pos);
    checkContiguous(dev, runs, pos, end);
    for (const r of runs) {
      const fd = r.kind === 'data' && r.file !== undefined && r.fileOffset !== undefined && !r.compressed ? fds.get(r.file) : undefined;
      if (r.kind === 'data' && fd === undefined) return pos;
      if (r.kind === 'zero') zeros ??= Buffer.alloc(ZEROS);
      for (let done = 0; done < r.length; ) {
        const n = move(() => (fd === undefined ? addon.writeAll(STDOUT, zeros!.subarray(0, Math.min(ZEROS, r.length - done))) : addon.sendFile(STDOUT, fd, r.fileOffset! + done, r.length - done)));
        if (!n) return pos + done;
        done += n;
      }
      pos += r.length;
    }
  }
  return pos;
}

/** Bytes moved by one call; 0 when it failed (the read path takes over), except a closed pipe: a quiet end. */
function move(fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new BrokenPipe();
    return 0;
  }
}
