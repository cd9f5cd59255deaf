/**
 * Typed errors. Every failure a user can cause (bad input, missing file,
 * corrupt structure) is a VmfskitError: the CLI prints it as one line on
 * stderr and exits with its status. Anything else is a bug and is reported
 * as such.
 */

/** Stable codes: scripts and tests match on these, never on message text. */
export type ErrorCode =
  | 'USAGE' // bad command line
  | 'NOT_FOUND' // a named file, extent, parent or path does not exist
  | 'OPEN' // exists but cannot be opened (permissions, not a file, ...)
  | 'EXISTS' // output exists and --force was not given
  | 'BAD_MAGIC' // not the structure we were told to expect
  | 'CORRUPT' // structure present but inconsistent / out of range
  | 'TRUNCATED' // data or metadata beyond the end of the file
  | 'CHAIN' // delta chain inconsistent: CID mismatch, loop, capacity mismatch
  | 'UNSUPPORTED' // valid but not readable by this tool (yet): RDM, vSAN, encrypted ...
  | 'IO' // the OS failed a read
  | 'MISMATCH' // verify/compare found a difference (exit 1)
  | 'INTERRUPTED' // SIGINT / SIGTERM
  | 'FUSE'; // FUSE is unavailable or the mount failed

/** Exit statuses, as documented in --help (mirrors qemu-img compare / cmp). */
export const EXIT = {
  OK: 0,
  DIFFERENT: 1,
  USAGE: 2,
  CANNOT_OPEN: 2,
  CORRUPT: 3,
  IO: 4,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

const exitFor: Record<ErrorCode, number> = {
  USAGE: EXIT.USAGE,
  NOT_FOUND: EXIT.CANNOT_OPEN,
  OPEN: EXIT.CANNOT_OPEN,
  EXISTS: EXIT.CANNOT_OPEN,
  BAD_MAGIC: EXIT.CORRUPT,
  CORRUPT: EXIT.CORRUPT,
  TRUNCATED: EXIT.CORRUPT,
  CHAIN: EXIT.CORRUPT,
  UNSUPPORTED: EXIT.CANNOT_OPEN,
  IO: EXIT.IO,
  MISMATCH: EXIT.DIFFERENT,
  INTERRUPTED: EXIT.SIGINT,
  FUSE: EXIT.CANNOT_OPEN,
};

export interface ErrorWhere {
  /** The file (host path or address) the problem is in. */
  file?: string;
  /** The on-disk structure, named as the format documents name it: "grain table 3 entry 17". */
  structure?: string;
  /** Byte offset of that structure in `file`. */
  offset?: number;
}

export class VmfskitError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly structure?: string;
  readonly offset?: number;
  exitCode: number;

  constructor(code: ErrorCode, problem: string, where: ErrorWhere = {}, options?: { cause?: unknown; exitCode?: number }) {
    super(formatMessage(problem, where), options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'VmfskitError';
    this.code = code;
    this.file = where.file;
    this.structure = where.structure;
    this.offset = where.offset;
    this.exitCode = options?.exitCode ?? exitFor[code];
  }
}

/** "FILE: STRUCTURE at byte N (0xHEX): PROBLEM" — the parts that are known. */
export function formatMessage(problem: string, where: ErrorWhere): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.file);
  let loc = where.structure ?? '';
  if (where.offset !== undefined) loc += `${loc ? ' ' : ''}at byte ${where.offset} (0x${where.offset.toString(16)})`;
  if (loc) parts.push(loc);
  parts.push(problem);
  // One line whatever a damaged image holds: control characters in names read from it (a
  // directory entry, a descriptor's file name) are shown escaped, never as line breaks.
  return parts.join(': ').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Shorthand for the most common case: a structure is corrupt. */
export function corrupt(problem: string, where: ErrorWhere): VmfskitError {
  return new VmfskitError('CORRUPT', problem, where);
}

export function isVmfskitError(e: unknown): e is VmfskitError {
  return e instanceof VmfskitError;
}

/** Turn an OS error from opening `file` into a VmfskitError with a plain message. */
export function fromOsError(e: unknown, file: string, action = 'cannot open'): VmfskitError {
  if (isVmfskitError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const reason: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'a path component is not a directory',
    EIO: 'input/output error',
    ELOOP: 'too many levels of symbolic links',
  };
  const text = (err && err.code && reason[err.code]) || (err && err.message) || String(e);
  const code: ErrorCode = err?.code === 'ENOENT' ? 'NOT_FOUND' : err?.code === 'EIO' ? 'IO' : 'OPEN';
  return new VmfskitError(code, `${action}: ${text}`, { file }, { cause: e });
}
