/**
 * What a .vmx says about a VM's identity, its network cards and every way it
 * reaches past the virtualization layer to the host's hardware. Key names
 * are VMware's (vSphere/Workstation configuration files; spellings and their
 * sources are listed in corpus/builders/vmfs5/datastore.ts). Keys are
 * lower-cased by parseConfig; the JSON gives them as the .vmx spells them
 * conventionally (e.g. "ethernet1.networkName").
 */
import type { ConfigMap } from './vmx.js';

export interface VmIdentity {
  displayName?: string;
  guestOS?: string;
  virtualHW?: string;
  /** uuid.bios: the SMBIOS UUID the guest sees. */
  biosUuid?: string;
  /** vc.uuid: the instance UUID vCenter gave the VM (absent on a stand-alone host). */
  vcUuid?: string;
  /** memSize in MiB. */
  memoryMiB?: number;
  numvcpus?: number;
}

export interface Nic {
  /** "ethernet0". */
  key: string;
  present: boolean;
  virtualDev?: string;
  networkName?: string;
  /** generated (by the host), static (typed in), vpx (by vCenter). */
  addressType?: string;
  /** The MAC in use: `address` for static, else `generatedAddress`. */
  mac?: string;
}

export type PassthroughKind = 'pci' | 'usb' | 'usb-autoconnect' | 'serial' | 'parallel' | 'cdrom' | 'floppy' | 'scsi-passthru' | 'rdm';

export interface Passthrough {
  kind: PassthroughKind;
  /** The .vmx key that makes it (e.g. "pciPassthru0.present", "serial1.fileType"), or the disk node for an RDM. */
  key: string;
  /** What it reaches: a PCI id, a USB vid/pid, a host device path, a pipe, a network URI, a LUN. */
  target: string;
  /** Other keys of the same device, as written. */
  details: Record<string, string>;
}

/** The spelling VMware uses for the lower-cased keys the JSON and text show. */
const SPELL: Record<string, string> = {
  present: 'present', virtualdev: 'virtualDev', networkname: 'networkName', addresstype: 'addressType', address: 'address',
  generatedaddress: 'generatedAddress', filetype: 'fileType', filename: 'fileName', devicetype: 'deviceType', id: 'id',
  deviceid: 'deviceId', vendorid: 'vendorId', systemid: 'systemId', 'network.endpoint': 'network.endPoint', autodetect: 'autodetect',
  startconnected: 'startConnected', yieldonmsrread: 'yieldOnMsrRead', pcislotnumber: 'pciSlotNumber',
};
export function spellKey(k: string): string {
  const m = /^([a-z_]+)(\d*)((?::\d+)?)\.(.*)$/.exec(k);
  if (!m) return k;
  const dev = m[1] === 'pcipassthru' ? 'pciPassthru' : m[1]!;
  const rest = m[4]!.startsWith('autoconnect.') ? m[4]!.replace('autoconnect.', 'autoConnect.') : SPELL[m[4]!] ?? m[4]!;
  return `${dev}${m[2]}${m[3]}.${rest}`;
}

const isTrue = (v: string | undefined) => /^(true|yes|1)$/i.test(v ?? '');
const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);

export function vmIdentity(cfg: ConfigMap): VmIdentity {
  return {
    displayName: cfg.get('displayname'),
    guestOS: cfg.get('guestos'),
    virtualHW: cfg.get('virtualhw.version'),
    biosUuid: cfg.get('uuid.bios'),
    vcUuid: cfg.get('vc.uuid'),
    memoryMiB: num(cfg.get('memsize')),
    numvcpus: num(cfg.get('numvcpus')),
  };
}

/** Keys of one device, prefix "serial0." → { fileType: …, fileName: … }. */
function deviceKeys(cfg: ConfigMap, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of cfg) if (k.startsWith(prefix)) out[spellKey(k).slice(prefix.length)] = v;
  return out;
}

/** Device indexes present in the file for `re` (first group = the instance, e.g. "0" or "1:0"). */
function instances(cfg: ConfigMap, re: RegExp): string[] {
  const set = new Set<string>();
  for (const k of cfg.keys()) {
    const m = re.exec(k);
    if (m) set.add(m[1]!);
  }
  return [...set].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function vmNics(cfg: ConfigMap): Nic[] {
  return instances(cfg, /^ethernet(\d+)\./).map((i) => {
    const p = `ethernet${i}.`;
    const type = cfg.get(p + 'addresstype');
    const mac = type?.toLowerCase() === 'static' ? cfg.get(p + 'address') ?? cfg.get(p + 'generatedaddress') : cfg.get(p + 'generatedaddress') ?? cfg.get(p + 'address');
    return { key: `ethernet${i}`, present: isTrue(cfg.get(p + 'present')), virtualDev: cfg.get(p + 'virtualdev'), networkName: cfg.get(p + 'networkname'), addressType: type, mac };
  });
}

/** Host-device backings of CD-ROMs (atapi-cdrom, cdrom-raw) and SCSI devices (scsi-passthru); ISO images and disks are not. */
const HOST_CDROM = /^(atapi-cdrom|cdrom-raw)$/i;

/**
 * Every present device that reaches the host's hardware or outside the VM. RDM disks
 * come from the disks' descriptors (triage.ts), not from the .vmx.
 */
export function vmPassthrough(cfg: ConfigMap): Passthrough[] {
  const out: Passthrough[] = [];
  const present = (p: string) => isTrue(cfg.get(p + 'present'));
  for (const i of instances(cfg, /^pcipassthru(\d+)\./)) {
    const p = `pcipassthru${i}.`;
    if (!present(p)) continue;
    const d = deviceKeys(cfg, p);
    out.push({ kind: 'pci', key: `pciPassthru${i}.present`, target: [d.id && `PCI ${d.id}`, d.vendorId && d.deviceId && `vendor ${d.vendorId} device ${d.deviceId}`].filter(Boolean).join(', ') || 'a host PCI device', details: d });
  }
  if (isTrue(cfg.get('usb.present')) || isTrue(cfg.get('ehci.present')) || isTrue(cfg.get('usb_xhci.present'))) {
    const ctl = ['usb', 'ehci', 'usb_xhci'].filter((c) => isTrue(cfg.get(`${c}.present`)));
    out.push({ kind: 'usb', key: `${ctl[0]}.present`, target: `USB controller(s): ${ctl.join(', ')}`, details: {} });
  }
  for (const [k, v] of cfg) {
    const m = /^usb\.autoconnect\.device(\d+)$/.exec(k);
    if (m && v) out.push({ kind: 'usb-autoconnect', key: `usb.autoConnect.device${m[1]}`, target: v, details: {} });
  }
  for (const kind of ['serial', 'parallel'] as const) {
    for (const i of instances(cfg, new RegExp(`^${kind}(\\d+)\\.`))) {
      const p = `${kind}${i}.`;
      if (!present(p)) continue;
      const d = deviceKeys(cfg, p);
      const type = (d.fileType ?? 'device').toLowerCase();
      if (type === 'thinprint') continue;
      out.push({ kind, key: `${kind}${i}.fileType`, target: `${type}${d.fileName ? ` ${d.fileName}` : ''}`, details: d });
    }
  }
  for (const i of instances(cfg, /^floppy(\d+)\./)) {
    const p = `floppy${i}.`;
    if (!present(p)) continue;
    const d = deviceKeys(cfg, p);
    if ((d.fileType ?? 'device').toLowerCase() !== 'device') continue;
    out.push({ kind: 'floppy', key: `floppy${i}.fileType`, target: `device ${d.fileName ?? '(auto-detect)'}`, details: d });
  }
  for (const node of instances(cfg, /^((?:ide|sata|scsi|nvme)\d+:\d+)\./)) {
    const p = `${node}.`;
    if ((cfg.get(p + 'present') ?? 'true').toLowerCase() === 'false') continue;
    const type = cfg.get(p + 'devicetype') ?? '';
    const d = deviceKeys(cfg, p);
    if (HOST_CDROM.test(type)) out.push({ kind: 'cdrom', key: `${node}.deviceType`, target: `${type} ${d.fileName ?? '(auto-detect)'}`, details: d });
    else if (/^scsi-passthru$/i.test(type)) out.push({ kind: 'scsi-passthru', key: `${node}.deviceType`, target: `${type} ${d.fileName ?? ''}`.trim(), details: d });
  }
  return out;
}
