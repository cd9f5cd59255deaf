/**
 * convert from inside a VMFS-5 image (lun.img::/VM/x.vmdk): a sparse VMDK
 * stored in the volume, a VMFS-extent descriptor with its flat file, and a
 * thin file with holes — no extraction. Expected bytes: qemu-img's sha256
 * of the corpus/tsk VMDK (MANIFEST "tsk"), and the builder's own source
 * bytes for the flat and thin files.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { statSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { sha256File } from './helpers/hash.js';
import { extractCase, type CorpusCase } from './helpers/corpus.js';
import { scratchCleaned } from './helpers/scratch.js';
import { buildVmfs5, type BuildResult } from '../corpus/builders/vmfs5/index.js';

const tmpDir = scratchCleaned();

const MiB = 1 << 20;
const FLAT = 24 * MiB;
let dir: string;
let lun: string;
let built: BuildResult;
let tskSha: string;

/** sha256 of a file described by the builder: its data pieces, zeros elsewhere. */
function builtSha(p: string): string {
  const f = built.files.find((x) => x.path === p);
  if (!f) throw new Error(`builder did not make ${p}`);
  return f.sha256();
}

beforeAll(async () => {
  dir = tmpDir('convert-vmfs');
  lun = path.join(dir, 'lun.img');
  const tsk = await extractCase<CorpusCase & { sha256: string }>('tsk', 'sparse');
  tskSha = tsk.manifest.sha256;
  built = await buildVmfs5(
    {
      label: 'CONVERT',
      createTime: 1700000000,
      uuidSeed: 5,
      partitionTable: 'gpt',
      root: [
        {
          type: 'dir',
          name: 'VM',
          children: [
            { type: 'file', name: 'tsk-sparse.vmdk', content: { kind: 'file', path: tsk.entry } },
            { type: 'file', name: 'VM-flat.vmdk', provisioning: 'thick', content: { kind: 'pattern', seed: 9, length: FLAT } },
            {
              type: 'file',
              name: 'VM.vmdk',
              content: {
                kind: 'text',
                text: `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="vmfs"\n\n# Extent description\nRW ${FLAT / 512} VMFS "VM-flat.vmdk"\n\n# The Disk Data Base\nddb.adapterType = "lsilogic"\n`,
              },
            },
            { type: 'file', name: 'thin.bin', size: 40 * MiB, pieces: [{ offset: 17 * MiB, content: { kind: 'pattern', seed: 3, length: 3 * MiB } }] },
          ],
        },
      ],
    },
    lun,
  );
});

describe('convert from inside a VMFS-5 image', () => {
  it('lun.img::/VM/tsk-sparse.vmdk → qemu-img sha256 of that VMDK', async () => {
    const out = path.join(dir, 'tsk.raw');
    const r = await runCli(['convert', `${lun}::/VM/tsk-sparse.vmdk`, out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await sha256File(out)).toBe(tskSha);
  });

  it('lun.img::/VM/VM.vmdk (VMFS extent) → the flat file bytes; --hash of the same pass agrees', async () => {
    const out = path.join(dir, 'vm.raw');
    const r = await runCli(['convert', '--hash', 'sha256', `${lun}::/VM/VM.vmdk`, out]);
    expect(r.code).toBe(0);
    const sha = builtSha('/VM/VM-flat.vmdk');
    expect(r.stdout.toString()).toBe(`${sha}  ${out}\n`);
    expect(await sha256File(out)).toBe(sha);
  });

  it('a thin file converts sparse: holes stay holes', async () => {
    const out = path.join(dir, 'thin.raw');
    const r = await runCli(['convert', `${lun}::/VM/thin.bin`, out]);
    expect(r.code).toBe(0);
    expect(statSync(out).size).toBe(40 * MiB);
    expect(await sha256File(out)).toBe(builtSha('/VM/thin.bin'));
    expect(statSync(out).blocks * 512).toBeLessThanOrEqual(3 * MiB + 4096);
  });

  it('refuses to write over the LUN image it reads, even with --force', async () => {
    const before = await sha256File(lun);
    const r = await runCli(['convert', '--force', `${lun}::/VM/VM.vmdk`, lun]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vmfskit: ${lun}: is the input file ${lun}: refusing to overwrite evidence\n`);
    expect(await sha256File(lun)).toBe(before);
  });
});

