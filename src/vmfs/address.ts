/** VMFS-3/5 32-bit block addresses (vmfs-format.md §7): low 3 bits are the type, 0 is "nothing". */

export const ADDR = { NONE: 0, FB: 1, SB: 2, PB: 3, FD: 4, PB2: 5 } as const;
export const TYPE_NAMES = ['none', 'FB', 'SB', 'PB', 'FD', 'PB2', 'JB', 'LFB'] as const;

export function addrType(a: number): number {
  return a & 7;
}

/** FB: block number in bits 6–31, to-be-zeroed flag bit 5 (§7.1). */
export function fbBlock(a: number): number {
  return a >>> 6;
}
export function fbTbz(a: number): boolean {
  return (a & 0x20) !== 0;
}

/** Cluster/resource of an SB (dense: two more resource bits at 3–4), PB, PB2 (§7.4, §7.5). */
export function clusterResource(a: number, dense: boolean): { cluster: number; resource: number } {
  const type = a & 7;
  const cluster = (a >>> 6) & 0x3fffff;
  let resource = (a >>> 28) & 0xf;
  if (type === ADDR.SB && dense) resource |= (a & 0x18) << 1;
  return { cluster, resource };
}

/** FD: cluster bits 6–21, resource bits 22–31 (§7.6). */
export function fdClusterResource(a: number): { cluster: number; resource: number } {
  return { cluster: (a >>> 6) & 0xffff, resource: a >>> 22 };
}

export function hex(a: number): string {
  return `0x${a.toString(16).padStart(8, '0')}`;
}
