import type { CommandModule } from 'yargs';
import { action } from './run.js';
import { withOpenOptions, openOptions, ADDRESS_HELP, type OpenArgs } from './common-options.js';

interface DescriptorArgs extends Omit<OpenArgs, 'parent'> {
  file: string;
  parent?: string | string[];
  output?: string;
  hosted?: boolean;
  cid?: string;
}

const EPILOG = `${ADDRESS_HELP}

Writes the descriptor VMware needs to open an orphaned extent whose descriptor was lost (deleted or encrypted by a locker):
  x-flat.vmdk       createType "vmfs", RW <file size / 512> VMFS "x-flat.vmdk" (--hosted: "monolithicFlat", FLAT … 0); a size that is not whole sectors is refused
  x-delta.vmdk      createType "vmfsSparse", RW <COWD header capacity> VMFSSPARSE "x-delta.vmdk"
  x-sesparse.vmdk   createType "seSparse", RW <SESparse header capacity> SESPARSE "x-sesparse.vmdk"
The CID is random (stated on stderr; --cid sets it). With --parent PARENT (a descriptor or a VMDK), parentCID is the parent's CID and parentFileNameHint its path relative to FILE's folder; the capacities must agree. The DDB is as ESXi writes it: adapterType and BIOS geometry for a base disk, longContentID for all.
Output: stdout, or -o OUT — a new file only (never over an existing one, also not with any option); put it beside the orphan in a copy of the evidence, not in the evidence.
Exit: 0 written; 2 usage (FILE is a descriptor or a hosted sparse disk, --parent without a CID, OUT exists); 3 inconsistent (not whole sectors, capacity differs from the parent).`;

export const command: CommandModule<object, DescriptorArgs> = {
  command: 'descriptor <file>',
  describe: 'write the descriptor an orphaned -flat, -delta or -sesparse file needs (stdout or a new file)',
  builder: (y) =>
    withOpenOptions(y)
      .positional('file', { type: 'string', demandOption: true, describe: 'the orphaned extent (ADDR)' })
      .option('parent', { type: 'string', describe: "a delta's parent (ADDR of its descriptor or VMDK): gives parentCID and parentFileNameHint" })
      .option('output', { alias: 'o', type: 'string', describe: 'write to this new file instead of stdout' })
      .option('hosted', { type: 'boolean', describe: 'a flat file of a hosted (Workstation) disk: createType monolithicFlat' })
      .option('cid', { type: 'string', describe: 'the CID to write (8 hex digits; default: random)' })
      .epilog(EPILOG) as never,
  handler: action(async (argv: DescriptorArgs) => {
    const { runDescriptor } = await import('../analyze/orphan-descriptor.js');
    // The common options declare --parent repeatable (chains); a descriptor names one parent.
    const parents = ([] as string[]).concat(argv.parent ?? []);
    if (parents.length > 1) {
      const { usage } = await import('./run.js');
      throw usage('descriptor takes one --parent (the nearest parent)');
    }
    return runDescriptor({ file: argv.file, parent: parents[0], output: argv.output, hosted: argv.hosted, cid: argv.cid, open: openOptions({ ...argv, parent: undefined }) });
  }),
};
