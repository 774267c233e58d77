/**
 * Received files are saved into the downloads folder under their own name, never overwriting: `a.pdf`, then
 * `a-1.pdf`, `a-2.pdf`… (claimed with an exclusive create, so two at once cannot take one name). The byte count
 * is checked against the push's `size` before anything is written: a short or long download is not saved.
 */
import { mkdir, open } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { safeFileName } from '../client/index.js';

export class SizeMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super(`expected ${expected} bytes, got ${got}`);
  }
}

/** `name`, `name-1`, `name-2`… keeping the extension. */
export function candidateName(filename: string, n: number): string {
  if (n === 0) return filename;
  const ext = extname(filename);
  const stem = ext && ext !== filename ? filename.slice(0, -ext.length) : filename;
  return `${stem}-${n}${ext === filename ? '' : ext}`;
}

/** Writes the bytes to a new file in `dir`; returns its path. */
export async function saveNew(dir: string, filename: string, bytes: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = safeFileName(basename(filename));
  for (let n = 0; ; n++) {
    const path = join(dir, candidateName(name, n));
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(bytes);
      } finally {
        await handle.close();
      }
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Downloads a pushed file's link, checks its size and saves it; returns the path. */
export async function download(url: string, size: number, dir: string, filename: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the link answered HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength !== size) throw new SizeMismatchError(size, bytes.byteLength);
  return saveNew(dir, filename, bytes);
}
