/**
 * A DFXML document (dfxml_schema 1.x, the shape fiwalk writes): creator
 * with program, version and command line, start time; source; one
 * fileobject per hashed object with filename, filesize, byte_runs (one per
 * window, carrying that window's hashdigests) and the whole-object
 * hashdigests.
 */
import type { WindowDigest } from './hash-device.js';

export interface DfxmlObject {
  filename: string;
  filesize: number;
  digests: Record<string, string>;
  windows?: WindowDigest[];
}

export interface DfxmlDocument {
  program: string;
  version: string;
  commandLine: string;
  startTime: Date;
  sources: string[];
  objects: DfxmlObject[];
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** ISO-8601 UTC without milliseconds, as fiwalk writes it. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function digestElements(digests: Record<string, string>, indent: string): string[] {
  return Object.entries(digests).map(([alg, hex]) => `${indent}<hashdigest type='${xmlEscape(alg)}'>${hex}</hashdigest>`);
}

/** The document up to the first fileobject: creator (program, version, command line, start time) and sources. */
export function dfxmlHeader(doc: Omit<DfxmlDocument, 'objects'>): string {
  return [
    "<?xml version='1.0' encoding='UTF-8'?>",
    "<dfxml xmlns='http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML'",
    "  xmlns:dc='http://purl.org/dc/elements/1.1/' version='1.0'>",
    '  <metadata><dc:type>Hash List</dc:type></metadata>',
    "  <creator version='1.0'>",
    `    <program>${xmlEscape(doc.program)}</program>`,
    `    <version>${xmlEscape(doc.version)}</version>`,
    '    <execution_environment>',
    `      <command_line>${xmlEscape(doc.commandLine)}</command_line>`,
    `      <start_time>${isoSeconds(doc.startTime)}</start_time>`,
    '    </execution_environment>',
    '  </creator>',
    '  <source>',
    ...doc.sources.map((s) => `    <image_filename>${xmlEscape(s)}</image_filename>`),
    '  </source>',
    '',
  ].join('\n');
}

export const DFXML_END = '</dfxml>\n';

export function renderDfxml(doc: DfxmlDocument): string {
  const out: string[] = [dfxmlHeader(doc).slice(0, -1)];
  for (const o of doc.objects) {
    out.push('  <fileobject>', `    <filename>${xmlEscape(o.filename)}</filename>`, `    <filesize>${o.filesize}</filesize>`);
    if (o.windows) {
      out.push('    <byte_runs>');
      for (const w of o.windows) {
        out.push(`      <byte_run file_offset='${w.offset}' len='${w.length}'>`, ...digestElements(w.digests, '        '), '      </byte_run>');
      }
      out.push('    </byte_runs>');
    }
    out.push(...digestElements(o.digests, '    '), '  </fileobject>');
  }
  out.push(DFXML_END);
  return out.join('\n');
}

/** The command line as a shell would need it typed, for provenance records. */
export function commandLine(argv: string[] = process.argv.slice(2)): string {
  const q = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['vmfskit', ...argv].map(q).join(' ');
}
