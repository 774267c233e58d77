/** An S3 error answer (status, code, message), written as S3's XML error document. */
import type { ServerResponse } from 'node:http';

export class S3Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const accessDenied = (message = 'Access Denied') => new S3Refusal(403, 'AccessDenied', message);

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function writeRefusal(res: ServerResponse, error: S3Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // S3 closes the connection after refusing a request whose body it did not read.
  res.writeHead(error.status, { 'content-type': 'application/xml', connection: 'close' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>`,
  );
}
