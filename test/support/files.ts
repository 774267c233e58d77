/** Helpers for file tests: random bytes, hashes, downloads from pushed links, and uploads to signed forms. */
import { createHash, randomBytes } from 'node:crypto';
import type { UploadForm } from '../../client/types.js';

/** The inline file bound (docs/PROTOCOL.md): what fits in API Gateway's 32 KB frame with the longest names. */
export const INLINE_MAX_BYTES = 24_000;

export function randomFile(size: number): Buffer {
  return randomBytes(size);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function download(url: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The signed form of a `silakan unggah file` answer, as the protocol client types it. */
export type { UploadForm };

/** A browser-style multipart POST to a signed form, as `curl -F` sends it. */
export async function upload(form: UploadForm, bytes: Uint8Array, filename = 'file.bin'): Promise<number> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', new Blob([bytes]), filename);
  const res = await fetch(form.url, { method: 'POST', body });
  await res.arrayBuffer();
  return res.status;
}
