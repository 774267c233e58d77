/**
 * File names and object keys. A name is checked, then only ever used percent-encoded inside a key that starts
 * with a fresh id, so no name can reach outside its own `files/<id>/` or `uploads/<id>/` folder.
 */

import { FILES_PREFIX, UPLOADS_PREFIX } from './prefixes.js';

/**
 * The largest file sent inline (base64 in the request). It fits in one 32 KB client frame (API Gateway's frame
 * limit) with the longest names: `SEND_GROUP_FILE ` + a 64-character group + a space + a 255-byte file name + a
 * space leave 32,431 bytes, room for the base64 of 24,321 bytes; rounded down to 24,000. HELP tells clients
 * (`maxInlineFileBytes`).
 */
export const INLINE_MAX_BYTES = 24_000;

/**
 * Unicode format characters (category Cf): bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069), marks
 * (U+200E, U+200F, U+061C), zero-width characters (U+200B–U+200D, U+2060, U+FEFF), the soft hyphen (U+00AD)…
 * They are invisible, so a name holding one can show as another (`invoice\u202Efdp.exe` reads `invoiceexe.pdf`).
 */
const FORMAT_CHARACTER = /\p{Cf}/u;

export function isFilename(name: string): boolean {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes < 1 || bytes > 255 || name === '.' || name === '..') return false;
  if (/[/\\]/.test(name) || name.includes('\uFFFD') || FORMAT_CHARACTER.test(name)) return false;
  for (const ch of name) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) return false;
  }
  return true;
}

export type ObjectArea = 'files' | 'uploads';

const PREFIX: Record<ObjectArea, string> = { files: FILES_PREFIX, uploads: UPLOADS_PREFIX };

export function objectKey(area: ObjectArea, id: string, filename: string): string {
  return `${PREFIX[area]}${id}/${encodeURIComponent(filename)}`;
}

/** The id in an upload's object key, or undefined when the key is not one obrol made. */
export function uploadIdOf(key: string): string | undefined {
  if (!key.startsWith(UPLOADS_PREFIX)) return undefined;
  return /^([0-9A-Z]{26})\/[^/]+$/.exec(key.slice(UPLOADS_PREFIX.length))?.[1];
}

const TYPES: Record<string, string> = {
  txt: 'text/plain',
  csv: 'text/csv',
  pdf: 'application/pdf',
  json: 'application/json',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** A content type from the extension; links are served as attachments whatever it says. */
export function contentTypeOf(filename: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) || 'application/octet-stream';
}

/** Strict standard base64 (padding optional): undefined when it is not. */
export function decodeBase64(text: string): Buffer | undefined {
  const body = text.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(body) || body.length % 4 === 1) return undefined;
  const bytes = Buffer.from(body, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === body ? bytes : undefined;
}
