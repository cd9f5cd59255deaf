import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withOpenOptions, openOptions, type OpenArgs } from './common-options.js';

interface Args extends OpenArgs {
  addr: string;
  scan?: boolean;
  output?: string;
  force?: boolean;
  json?: boolean;
  progress?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'freespace <addr>',
  describe: "the VMFS volume's free blocks as one raw view (like blkls), its map back to volume and image offsets, and a scan of it for VMware artefacts",
  builder: (y) =>
    withOpenOptions(y)
      .positional('addr', { type: 'string', demandOption: true, describe: 'a LUN image (or device) holding a VMFS volume' })
      .option('scan', { type: 'boolean', describe: 'look through the free blocks for KDMV/COWD/SESparse headers, descriptor and .vmx text, guest MBR/GPT/NTFS boot sectors' })
      .option('output', { alias: 'o', type: 'string', describe: 'write the free blocks, end to end, to FILE (sparse; - for stdout)' })
      .option('force', { type: 'boolean', describe: 'overwrite FILE if it exists' })
      .option('json', { type: 'boolean', describe: 'the map (and scan hits) as JSON: {blockSize, blocks, freeBlocks, viewSize, runs[{block,count,volumeOffset,viewOffset,hostFile,hostOffset}], unreadableClusters, artefacts[{kind,viewOffset,volumeOffset,block,hostFile,hostOffset,detail}]}' })
      .option('progress', { alias: 'p', type: 'boolean', describe: 'progress on stderr while scanning (default: when stderr is a terminal)' })
      .epilogue(
        'Free = the bit of the file block is set in .fbb.sf (vmfs-format.md §6.3); a bitmap cluster whose metadata is out of range counts as used and is listed. ' +
          'View size = free blocks × block size. Every offset of a scan hit is given three ways: in the view, in the volume, and in the image file.',
      ) as never,
  handler: action(async (argv: Args) => {
    const { openVolume, parseAddress } = await import('../open.js');
    const { writeOut, writeJson } = await import('./output.js');
    const { VmfskitError } = await import('../errors.js');
    const a = parseAddress(argv.addr);
    if (a.inner !== undefined && a.inner !== '/') throw new VmfskitError('USAGE', 'free space belongs to a whole volume: give the LUN image, not a path inside it');
    const vol = (await openVolume(a.host, openOptions(argv))) as import('../vmfs/index.js').VmfsVolumeDetails;
    try {
      // A reader without a free-block map for its version (VMFS-6's SFB/LFB bitmaps, until they are read) says so.
      if (typeof vol.freeSpace !== 'function') throw new VmfskitError('UNSUPPORTED', 'free space of this VMFS version is not read yet (VMFS-3/5 only)', { file: a.host });
      const fs = await vol.freeSpace();
      const runs = fs.runs.map((r) => {
        const h = fs.locate(r.viewOffset).host;
        return { ...r, hostFile: h.file, hostOffset: h.offset };
      });
      let artefacts: Array<Record<string, unknown>> | undefined;
      if (argv.scan) {
        const { scanArtefacts } = await import('../inventory/artefact-scan.js');
        const show = argv.progress ?? process.stderr.isTTY === true;
        let last = 0;
        const hits = await scanArtefacts(fs.view, (done) => {
          if (!show || Date.now() - last < 250) return;
          last = Date.now();
          process.stderr.write(`\rscanning free space: ${Math.floor((done / Math.max(1, fs.view.size)) * 100)}%`);
        });
        if (show) process.stderr.write('\r\x1b[K');
        artefacts = hits.map((h) => {
          const at = fs.locate(h.offset);
          return { kind: h.kind, viewOffset: h.offset, volumeOffset: at.volumeOffset, block: Math.floor(at.volumeOffset / fs.blockSize), hostFile: at.host.file, hostOffset: at.host.offset, detail: h.detail };
        });
      }
      if (argv.output !== undefined) {
        if (argv.output === '-') {
          const buf = Buffer.alloc(4 << 20);
          for (let off = 0; off < fs.view.size; ) {
            const n = await fs.view.read(buf, off);
            if (n <= 0) break;
            await writeOut(Buffer.from(buf.subarray(0, n)));
            off += n;
          }
        } else {
          const { copyToFile } = await import('../convert/to-file.js');
          await copyToFile(fs.view, argv.output, { force: !!argv.force, inputs: [a.host, ...(argv.extent ?? [])] });
          if (!argv.json) process.stderr.write(`vmfskit: wrote ${fs.view.size} bytes (${fs.freeBlocks} free blocks) to ${argv.output}\n`);
        }
      }
      const doc = { address: argv.addr, output: argv.output, blockSize: fs.blockSize, blocks: fs.blocks, freeBlocks: fs.freeBlocks, viewSize: fs.view.size, runs, unreadableClusters: fs.unreadable, artefacts };
      if (argv.output === '-') return;
      if (argv.json) return await writeJson(doc);
      const out: string[] = [];
      out.push(`${argv.addr}: ${fs.freeBlocks} of ${fs.blocks} blocks of ${fs.blockSize} bytes are free; the view is ${fs.view.size} bytes`);
      if (fs.unreadable.length) out.push(`bitmap clusters not trusted (their blocks counted as used): ${fs.unreadable.join(', ')}`);
      out.push('view offset   volume offset   image offset  blocks');
      for (const r of runs) out.push(`${String(r.viewOffset).padStart(11)}  ${String(r.volumeOffset).padStart(14)}  ${String(r.hostOffset).padStart(13)}  ${r.block}..${r.block + r.count - 1} (${r.count})`);
      if (artefacts) {
        out.push('');
        out.push(`Artefacts in free space (${artefacts.length}):`);
        for (const h of artefacts) out.push(`  ${String(h.kind).padEnd(19)} view ${h.viewOffset}  volume ${h.volumeOffset}  image ${h.hostOffset}  block ${h.block}  ${h.detail}`);
      }
      await writeOut(out.join('\n') + '\n');
    } finally {
      await vol.close();
    }
  }),
};
