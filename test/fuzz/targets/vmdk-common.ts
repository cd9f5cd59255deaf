/** What the VMDK targets share: the open path (as `info`/`map`/`cat` take it) and sparse metadata regions. */
import path from 'node:path';
import { HEADER } from '../../../src/vmdk/sparse-header.js';
import { exerciseAddress } from '../exercise.js';
import { fieldsOf, type Field, type Region } from '../mutate.js';
import type { Outcome } from '../target.js';

/** Open the seed's named file as a user's command does (with --ignore-cid-mismatch off: the default path). */
export function openNamed(name: string): (dir: string) => Promise<Outcome> {
  return (dir) => exerciseAddress(path.join(dir, name));
}

const S = 512;

/** Header, embedded descriptor, both grain directories and every grain table of a hosted sparse file (vmdk-format §3). */
export function sparseMetadata(b: Buffer, at = 0): { regions: Region[]; fields: Field[] } {
  const u64 = (o: number) => Number(b.readBigUInt64LE(at + o));
  const regions: Region[] = [{ start: at, length: S }];
  const descOff = u64(HEADER.descriptorOffset[0]);
  const descSize = u64(HEADER.descriptorSize[0]);
  if (descOff > 0) regions.push({ start: descOff * S, length: descSize * S });
  const gtes = b.readUInt32LE(at + HEADER.numGTEsPerGT[0]);
  const capacity = u64(HEADER.capacity[0]);
  const grain = u64(HEADER.grainSize[0]);
  const nGts = Math.ceil(capacity / grain / gtes);
  for (const gdField of [HEADER.gdOffset[0], HEADER.rgdOffset[0]]) {
    const gd = u64(gdField);
    if (gd <= 0 || gd * S >= b.length) continue;
    regions.push({ start: gd * S, length: nGts * 4 });
    for (let t = 0; t < nGts && gd * S + t * 4 + 4 <= b.length; t++) {
      const gt = b.readUInt32LE(gd * S + t * 4);
      if (gt > 0 && gt * S < b.length) regions.push({ start: gt * S, length: gtes * 4 });
    }
  }
  return { regions, fields: fieldsOf(HEADER, at, 'header') };
}

/** Extent lines and keys worth inserting into descriptors. */
export const DESCRIPTOR_LINES = [
  'RW 20480 FLAT "monolithicFlat-flat.vmdk" 0',
  'RW 4294967296 FLAT "monolithicFlat-flat.vmdk" 0',
  'RW 20480 FLAT "monolithicFlat-flat.vmdk" 18446744073709551615',
  'RW 20480 SPARSE "twoGbMaxExtentSparse-s001.vmdk"',
  'RW 1048576 SESPARSE "sesparse.vmdk"',
  'RW 2048 VMFSSPARSE "delta.vmdk"',
  'RW 20480 ZERO',
  'RDONLY 0 FLAT "monolithicFlat-flat.vmdk"',
  'NOACCESS 20480 FLAT "nowhere.vmdk"',
  'RW 20971520 VMFSRDM "rdm.vmdk"',
  'parentFileNameHint="monolithicFlat.vmdk"',
  'parentFileNameHint="/vmfs/volumes/datastore1/VM/VM.vmdk"',
  'parentCID=00000000',
  'createType="vmfsSparse"',
  'createType="seSparse"',
  'ddb.geometry.cylinders = "4294967296"',
];
