import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Digest of bytes (or a string, as UTF-8) in hex; expected values come from node:crypto, never from vmfskit. */
export function digestHex(alg: string, data: string | Uint8Array): string {
  return createHash(alg).update(data).digest('hex');
}

export function sha256(data: string | Uint8Array): string {
  return digestHex('sha256', data);
}

/** sha256 of the files' bytes one after another (a split set hashes as the whole image). */
export async function sha256Files(files: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const file of files) {
    for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

export function sha256File(file: string): Promise<string> {
  return sha256Files([file]);
}
