/**
 * The host's list of registered VMs, /etc/vmware/hostd/vmInventory.xml:
 *   <ConfigRoot><ConfigEntry id="0000"><objID>1</objID><secDomain>23</secDomain>
 *   <vmxCfgPath>/vmfs/volumes/<uuid>/VM/VM.vmx</vmxCfgPath></ConfigEntry>…</ConfigRoot>
 * Read defensively: no XML library, entries are taken where their tags are
 * whole; anything else is reported, never thrown.
 */

export interface InventoryEntry {
  id?: string;
  objID?: string;
  vmxCfgPath: string;
}

export interface InventoryFile {
  entries: InventoryEntry[];
  problems: string[];
}

const MAX_ENTRIES = 100_000;

function tag(body: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  return m ? decodeXml(m[1]!.trim()) : undefined;
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (all, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : all;
  });
}

export function parseVmInventory(text: string): InventoryFile {
  const problems: string[] = [];
  const entries: InventoryEntry[] = [];
  if (!/<ConfigRoot\b/.test(text)) problems.push('no <ConfigRoot> element: not a vmInventory.xml, or damaged');
  else if (!/<\/ConfigRoot>/.test(text)) problems.push('<ConfigRoot> is not closed: the file is cut short or damaged; entries read up to the damage');
  const re = /<ConfigEntry\b([^>]*)>([\s\S]*?)(?:<\/ConfigEntry>|(?=<ConfigEntry\b)|$)/g;
  let bad = 0;
  for (let m = re.exec(text); m && entries.length < MAX_ENTRIES; m = re.exec(text)) {
    if (m[0].length === 0) break;
    const closed = m[0].endsWith('</ConfigEntry>');
    const id = /\bid\s*=\s*"([^"]*)"/.exec(m[1]!)?.[1];
    const vmx = tag(m[2]!, 'vmxCfgPath');
    if (!vmx) {
      bad++;
      if (bad <= 5) problems.push(`ConfigEntry${id ? ` id ${id}` : ''}: no readable <vmxCfgPath>`);
      continue;
    }
    if (!closed) problems.push(`ConfigEntry${id ? ` id ${id}` : ''} is not closed`);
    entries.push({ id, objID: tag(m[2]!, 'objID'), vmxCfgPath: vmx });
  }
  if (bad > 5) problems.push(`${bad - 5} more ConfigEntry elements without a readable <vmxCfgPath>`);
  return { entries, problems };
}
