/**
 * The terminal client's UploadTransport: a multipart POST with node:http(s), streaming the file from disk and
 * reporting progress as bytes are handed to the socket. The form's fields go first, in order, the file last as
 * `file` (as S3's POST policy requires).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { UploadTransport } from '../client/index.js';

const quote = (value: string) => value.replace(/["\r\n]/g, (c) => encodeURIComponent(c));

export function multipartParts(fields: Record<string, string>, filename: string, contentType: string) {
  const boundary = `----obrol${randomBytes(12).toString('hex')}`;
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(filename)}"\r\n`;
  head += `Content-Type: ${contentType}\r\n\r\n`;
  return { boundary, head: Buffer.from(head), tail: Buffer.from(`\r\n--${boundary}--\r\n`) };
}

/** `body` is the path of the file to send. Resolves with the HTTP status (0 when the request failed). */
export const nodeTransport: UploadTransport = (upload) =>
  new Promise((resolve) => {
    const { boundary, head, tail } = multipartParts(upload.fields, upload.filename, upload.contentType);
    const url = new URL(upload.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + upload.size + tail.length,
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.write(head);
    let sent = 0;
    const file = createReadStream(String(upload.body));
    file.on('error', () => {
      req.destroy();
      resolve(0);
    });
    file.on('data', (chunk) => {
      sent += chunk.length;
      if (!req.write(chunk)) file.pause();
      upload.onProgress(sent, upload.size);
    });
    req.on('drain', () => file.resume());
    file.on('end', () => req.end(tail));
  });
