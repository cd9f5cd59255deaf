/** `vmfskit ls`: list directories of a VMFS volume, in text or JSON (walks with src/walk/). */
import { writeJson, writeOut } from '../cli/output.js';
import { openVolume, parseAddress, type OpenOptions } from '../open.js';
import type { VmfsStat } from '../vmfs/index.js';
import { longLine, statJson } from './format.js';
import { walkTree } from '../walk/walk.js';

export interface LsOptions {
  long: boolean;
  recursive: boolean;
  all: boolean;
  json: boolean;
}

export async function listCommand(addr: string, open: OpenOptions, o: LsOptions): Promise<number> {
  const a = parseAddress(addr);
  const vol = await openVolume(a.host, open);
  try {
    const target = await vol.stat(a.inner ?? '/');
    const start = target;
    if (start.type !== 'dir') {
      if (o.json) await writeJson([statJson(target)]);
      else await writeOut((o.long ? longLine(target, target.path) : target.path) + '\n');
      return 0;
    }
    // Everything is collected first: a listing cut short by a corrupt directory is not printed as if complete.
    // Entries are seen one by one as they are decoded, none kept (see readdir).
    const json: Array<Record<string, unknown>> = [];
    const text = new Lines();
    const shown = (e: VmfsStat) => o.all || !e.name.startsWith('.');
    const show = (e: VmfsStat) => (o.json ? json.push(statJson(e)) : text.add(o.long ? longLine(e) : e.name));
    let first = true;
    const visitor = {
      enter: async (dir: VmfsStat) => {
        if (o.recursive && !o.json) text.add(`${first ? '' : '\n'}${dir.path}:`);
        first = false;
        if (o.all) for (const e of [dotEntry(dir, '.'), dotEntry(await parentOf(vol, dir.path), '..')]) show(e);
      },
      entry: (e: VmfsStat) => {
        if (shown(e)) show(e);
      },
    };
    for await (const _ of walkTree(vol, start, o.recursive, shown, visitor));
    if (o.json) await writeJson(json);
    else if (text.length) await writeOut(text.bytes());
    return 0;
  } finally {
    await vol.close();
  }
}

/**
 * Output lines kept as UTF-8 bytes off the JS heap (10 000 line strings kept the GC busy), copied
 * in 64 KiB strings (a Buffer write per line cost more than the line).
 */
class Lines {
  private buf = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private pending = '';

  get length(): number {
    return this.used + this.pending.length;
  }

  add(line: string): void {
    this.pending += line + '\n';
    if (this.pending.length >= 1 << 16) this.flush();
  }

  bytes(): Buffer {
    this.flush();
    return this.buf.subarray(0, this.used);
  }

  private flush(): void {
    // At most 3 UTF-8 bytes per UTF-16 unit.
    const need = this.used + this.pending.length * 3;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buf.length));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    this.used += this.buf.write(this.pending, this.used);
    this.pending = '';
  }
}

/** A directory's stat under another name; its details are on its prototype, which a spread leaves behind. */
function dotEntry(st: VmfsStat, name: string): VmfsStat {
  return { ...st, details: st.details, name };
}

async function parentOf(vol: { stat(p: string): Promise<VmfsStat> }, p: string): Promise<VmfsStat> {
  return vol.stat(p === '/' ? '/' : p.replace(/\/[^/]+$/, '') || '/');
}
