/**
 * Sending files: inline (base64 in the frame) when the whole request fits in one frame API Gateway accepts (32 KB,
 * the `maxFrameBytes` of HELP) and the file is within the inline bound (24,000 bytes, `maxInlineFileBytes`);
 * otherwise (and when empty) through the signed S3 POST form of a `silakan unggah file` answer. The HTTP POST itself is the caller's transport (XMLHttpRequest in a
 * browser, node:http in the terminal client), because upload progress has no one portable API.
 */
import type { Answer, UploadForm } from './types.js';

/** API Gateway's frame limit (docs/PROTOCOL.md): a client frame over it closes the connection with 1009. */
export const DEFAULT_MAX_FRAME_BYTES = 32_768;
/**
 * Room kept in every frame for the request tag the client puts before each request (`#` + up to 8 characters +
 * a space, connection.ts): the request itself may be at most the frame limit less this.
 */
export const REQUEST_TAG_BYTES = 10;
/** Inline bound (docs/PROTOCOL.md): a larger file, or an empty one, goes through the upload form. */
export const INLINE_MAX_BYTES = 24_000;

/** The sizes a client keeps to: what HELP advertises, these defaults without it. */
export interface Limits {
  /** The largest frame the client may send, in UTF-8 bytes. */
  maxFrameBytes: number;
  /** The largest file the server takes inline. */
  maxInlineFileBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxInlineFileBytes: INLINE_MAX_BYTES,
};

/** The limits a HELP answer advertises; each one missing or malformed falls back to its default. */
export function limitsOf(answer: Answer): Limits {
  const read = (value: unknown, fallback: number) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : fallback;
  const fields = answer as unknown as Record<string, unknown>;
  if (answer.status !== 'OK') return { ...DEFAULT_LIMITS };
  return {
    maxFrameBytes: read(fields.maxFrameBytes, DEFAULT_LIMITS.maxFrameBytes),
    maxInlineFileBytes: read(fields.maxInlineFileBytes, DEFAULT_LIMITS.maxInlineFileBytes),
  };
}

/** UTF-8 bytes of the inline request for a file of `size` bytes (fileCommand with its base64), without building it. */
export function inlineFrameBytes(
  target: { user: string } | { group: string },
  filename: string,
  size: number,
): number {
  const encoder = new TextEncoder();
  const head = fileCommand(target, filename);
  return encoder.encode(head).length + 1 + 4 * Math.ceil(size / 3);
}

/**
 * Inline only when the file is not empty, is within the inline bound, and its whole request fits in one frame
 * (with the request tag).
 */
export function sendsInline(
  target: { user: string } | { group: string },
  filename: string,
  size: number,
  limits: Limits = DEFAULT_LIMITS,
): boolean {
  return (
    size > 0 &&
    size <= limits.maxInlineFileBytes &&
    inlineFrameBytes(target, filename, size) + REQUEST_TAG_BYTES <= limits.maxFrameBytes
  );
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding, without Buffer or btoa (works the same everywhere). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
    out += b === undefined ? '=' : ALPHABET.charAt((n >> 6) & 63);
    out += c === undefined ? '=' : ALPHABET.charAt(n & 63);
  }
  return out;
}

/** A file name the protocol accepts: one token, no slashes or control characters, at most 255 UTF-8 bytes. */
export function safeFileName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
  let cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '').replace(/\s+/g, '_');
  if (cleaned === '' || cleaned === '.' || cleaned === '..') cleaned = 'file';
  const encoder = new TextEncoder();
  while (encoder.encode(cleaned).length > 255) cleaned = Array.from(cleaned).slice(0, -1).join('');
  return cleaned;
}

/** The SEND_FILE / SEND_GROUP_FILE line: with content (inline) or without (asks for an upload form). */
export function fileCommand(
  target: { user: string } | { group: string },
  filename: string,
  base64?: string,
): string {
  const head = 'group' in target ? `SEND_GROUP_FILE ${target.group}` : `SEND_FILE ${target.user}`;
  return base64 === undefined ? `${head} ${filename}` : `${head} ${filename} ${base64}`;
}

export interface UploadRequest {
  url: string;
  /** Every field of the form, in order; the file goes last, as the field `file`. */
  fields: Record<string, string>;
  filename: string;
  contentType: string;
  /** What the transport sends as the file (a Blob in a browser; whatever the caller's transport reads). */
  body: unknown;
  size: number;
  onProgress: (sentBytes: number, totalBytes: number) => void;
}

/** Posts the multipart form; resolves with the HTTP status (S3 answers 204). */
export type UploadTransport = (request: UploadRequest) => Promise<number>;

export class UploadError extends Error {
  constructor(readonly status: number) {
    super(status === 0 ? 'the upload failed (network)' : `the upload was refused (HTTP ${status})`);
    this.name = 'UploadError';
  }
}

/** Posts a body to the form of a `silakan unggah file` answer with the given transport; throws UploadError unless 2xx. */
export async function upload(
  form: UploadForm,
  file: { filename: string; body: unknown; size: number },
  transport: UploadTransport,
  onProgress: (sentBytes: number, totalBytes: number) => void = () => undefined,
): Promise<void> {
  if (file.size > form.maxBytes) throw new UploadError(413);
  const status = await transport({
    url: form.url,
    fields: form.fields,
    filename: file.filename,
    contentType: form.fields['Content-Type'] ?? 'application/octet-stream',
    body: file.body,
    size: file.size,
    onProgress,
  });
  if (status < 200 || status > 299) throw new UploadError(status);
}

/** The upload form of an answer, if it is a well-formed `silakan unggah file`. */
export function uploadFormOf(answer: Answer): UploadForm | undefined {
  const form = answer.upload;
  if (answer.status !== 'OK' || !form || typeof form.url !== 'string' || typeof form.fields !== 'object')
    return undefined;
  return form;
}

/**
 * The browser transport: XMLHttpRequest (the one browser API that reports upload progress). `body` must be a Blob.
 * Uses only globals, so importing this module in Node is harmless; calling it there is not.
 */
export const xhrTransport: UploadTransport = (request) =>
  new Promise((resolve) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(request.fields)) data.append(name, value);
    data.append('file', request.body as Blob, request.filename);
    // biome-ignore lint/suspicious/noExplicitAny: XMLHttpRequest is a browser global, absent from Node's types.
    const Xhr = (globalThis as any).XMLHttpRequest;
    const xhr = new Xhr();
    xhr.open('POST', request.url);
    xhr.upload.onprogress = (event: { loaded: number; total: number; lengthComputable: boolean }) => {
      if (event.lengthComputable) request.onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) request.onProgress(request.size, request.size);
      resolve(xhr.status);
    };
    xhr.onerror = () => resolve(0);
    xhr.send(data);
  });
