/** `vmfskit ls`: list directories of a VMFS volume, in text or JSON. */
import { writeJson, writeOut } from '../cli/output.js';
import { openVolume, parseAddress, type OpenOptions } from '../open.js';
import type { VmfsStat } from './index.js';
import { longLine, statJson } from './listing.js';
import { walkTree } from './walk.js';

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
    const json: Array<Record<string, unknown>> = [];
    const text: string[] = [];
    let first = true;
    for await (const { dir, entries } of walkTree(vol, start, o.recursive, (e) => o.all || !e.name.startsWith('.'))) {
      let shown = entries.filter((e) => o.all || !e.name.startsWith('.'));
      if (o.all) shown = [{ ...dir, name: '.' }, { ...(await parentOf(vol, dir.path)), name: '..' }, ...shown];
      if (o.json) {
        for (const e of shown) json.push(statJson(e));
        continue;
      }
      const lines: string[] = [];
      if (o.recursive) lines.push(`${first ? '' : '\n'}${dir.path}:`);
      for (const e of shown) lines.push(o.long ? longLine(e) : e.name);
      first = false;
      text.push(...lines);
    }
    if (o.json) await writeJson(json);
    else if (text.length) await writeOut(text.join('\n') + '\n');
    return 0;
  } finally {
    await vol.close();
  }
}

async function parentOf(vol: { stat(p: string): Promise<VmfsStat> }, p: string): Promise<VmfsStat> {
  return vol.stat(p === '/' ? '/' : p.replace(/\/[^/]+$/, '') || '/');
}
