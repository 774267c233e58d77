/**
 * multipart/form-data for the S3 front door's POST forms, read once and strictly, and written again.
 *
 * Two parsers can read one body two ways: a part headed `Content-Disposition: form-data; name="x-ignore-a";
 * name="key"` is a field the policy ignores to a parser that takes the first `name` and the object key to
 * one that takes the last (s3rver's). So the front door parses the form here, once, refuses whatever another
 * parser could read differently, and hands the engine a form it wrote itself from what was checked (`writeForm`),
 * never the client's bytes. Refused, as S3 refuses a body it cannot read (400 MalformedPOSTRequest):
 *  - a Content-Type without exactly one `boundary`;
 *  - a part header line folded, without a colon, or repeated (two Content-Disposition or Content-Type headers);
 *  - a Content-Disposition that is not `form-data`, whose parameters repeat (`name` twice, whatever the case),
 *    use the extended form (`name*=`, RFC 5987) or a backslash escape in a quoted `name`, or that has no `name`;
 *  - a field name that is not an HTTP token (letters, digits and `!#$%&'*+.^_`|~-`);
 *  - a body without its closing delimiter.
 */
import { randomBytes } from 'node:crypto';
import { S3Refusal } from './s3-refusal.js';

export interface Part {
  /** As sent (S3 compares field names ignoring case; the caller does). */
  name: string;
  /** Present on a file part. */
  filename: string | undefined;
  contentType: string | undefined;
  content: Buffer;
}

export const malformed = () =>
  new S3Refusal(
    400,
    'MalformedPOSTRequest',
    'The body of your POST request is not well-formed multipart/form-data.',
  );

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const PARAM = /^;\s*([^\s=;"]+)\s*=\s*(?:"([^"]*)"|([^\s;"]+))\s*/;

/** The parameters of a header value after its first word (`form-data; name="a"` → name=a), strictly. */
function parameters(text: string): Map<string, { value: string; quoted: boolean }> {
  const params = new Map<string, { value: string; quoted: boolean }>();
  let rest = text.trim();
  while (rest !== '') {
    const m = PARAM.exec(rest);
    if (!m) throw malformed();
    const name = (m[1] as string).toLowerCase();
    if (!TOKEN.test(name) || name.endsWith('*') || params.has(name)) throw malformed();
    params.set(name, { value: m[2] ?? m[3] ?? '', quoted: m[2] !== undefined });
    rest = rest.slice(m[0].length);
  }
  return params;
}

/** The boundary of a `multipart/form-data; boundary=…` Content-Type. */
export function boundaryOf(contentType: string | undefined): string {
  const m = /^\s*multipart\/form-data\s*(;.*)?$/is.exec(contentType ?? '');
  if (!m) throw malformed();
  const boundary = parameters(m[1] ?? '').get('boundary')?.value;
  if (!boundary || boundary.length > 70) throw malformed();
  return boundary;
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /^[ \t]/.test(line)) throw malformed();
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!TOKEN.test(name) || headers.has(name)) throw malformed();
    headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function parsePart(raw: Buffer): Part {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw malformed();
  const headers = parseHeaders(raw.subarray(0, end).toString('utf8'));
  const disposition = headers.get('content-disposition');
  const m = /^form-data(\s*;.*)?$/is.exec(disposition ?? '');
  if (!m) throw malformed();
  const params = parameters(m[1] ?? '');
  const name = params.get('name');
  // Parsers differ on `\` in a quoted string (an escape to some, a character to others).
  if (!name || !TOKEN.test(name.value) || (name.quoted && name.value.includes('\\'))) throw malformed();
  return {
    name: name.value,
    filename: params.get('filename')?.value,
    contentType: headers.get('content-type'),
    content: raw.subarray(end + 4),
  };
}

/** The parts of a multipart/form-data body, in order. */
export function parseMultipart(contentType: string | undefined, body: Buffer): Part[] {
  const boundary = boundaryOf(contentType);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may open the body (no CRLF before it); a preamble before it is ignored, as RFC 2046 says.
  let start = body.subarray(0, delimiter.length - 2).equals(delimiter.subarray(2))
    ? delimiter.length - 2
    : body.indexOf(delimiter);
  if (start === -1) throw malformed();
  if (start !== delimiter.length - 2) start += delimiter.length;
  const parts: Part[] = [];
  for (;;) {
    if (body.subarray(start, start + 2).toString('latin1') === '--') return parts;
    if (body.subarray(start, start + 2).toString('latin1') !== '\r\n') throw malformed();
    const next = body.indexOf(delimiter, start + 2);
    if (next === -1) throw malformed();
    parts.push(parsePart(body.subarray(start + 2, next)));
    start = next + delimiter.length;
  }
}

/** A form the front door wrote itself: the checked fields, in order, then the file. */
export function writeForm(
  fields: Array<{ name: string; value: string }>,
  file: { filename: string; contentType: string; content: Buffer },
): { contentType: string; body: Buffer } {
  const quoted = (text: string) => text.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));
  for (;;) {
    const boundary = `obrol-front-${randomBytes(16).toString('hex')}`;
    const head = fields
      .map(
        ({ name, value }) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join('');
    const fileHead =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(file.filename)}"\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`;
    // A random boundary of 128 bits in the content is all but impossible; checked all the same.
    if (fields.some(({ value }) => value.includes(boundary)) || file.content.includes(boundary)) continue;
    const body = Buffer.concat([
      Buffer.from(head + fileHead),
      file.content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return { contentType: `multipart/form-data; boundary=${boundary}`, body };
  }
}
