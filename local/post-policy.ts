/**
 * Browser-upload POST forms, checked as S3 checks them: the body read once and strictly (./multipart.ts), field
 * names case-insensitive and each may appear once (so exactly one `key`), exactly one file, the policy signed with
 * the runtime's secret, unexpired, and every condition met, including content-length-range; every field but the
 * policy, signature, file and `x-ignore-*` must be covered by a condition. The engine behind the front door gets
 * the form rewritten from what was checked (`rewriteForm`), never the client's bytes.
 */
import type { IncomingMessage } from 'node:http';
import { parseMultipart, writeForm } from './multipart.js';
import { accessDenied, S3Refusal } from './s3-refusal.js';
import { type Credentials, hmac, sameSignature, signingKey } from './sigv4.js';

export interface Form {
  /** Field names lower-cased, as S3 compares them. */
  fields: Map<string, string>;
  /** The fields as sent (names in their case), in order, for the form passed on. */
  ordered: Array<{ name: string; value: string }>;
  fileSize: number;
  hasFile: boolean;
  file: { filename: string; contentType: string; content: Buffer } | undefined;
}

const denied = (why: string) => accessDenied(`Invalid according to Policy: ${why}`);
const tooLarge = () =>
  new S3Refusal(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');

/** The form, parsed once (./multipart.ts refuses what another parser could read another way). */
export function parseForm(headers: IncomingMessage['headers'], body: Buffer): Form {
  const form: Form = { fields: new Map(), ordered: [], fileSize: 0, hasFile: false, file: undefined };
  for (const part of parseMultipart(headers['content-type'], body)) {
    const field = part.name.toLowerCase();
    if (part.filename !== undefined) {
      if (field !== 'file' || form.hasFile)
        throw new S3Refusal(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
      form.hasFile = true;
      form.fileSize = part.content.length;
      form.file = {
        filename: part.filename,
        contentType: part.contentType ?? 'application/octet-stream',
        content: part.content,
      };
      continue;
    }
    // S3 ignores fields after the file; engines behind the front door might not, so such a form is refused.
    if (form.hasFile) throw new S3Refusal(400, 'InvalidArgument', 'The file must be the last field');
    if (field === 'file') throw new S3Refusal(400, 'InvalidArgument', 'file must be a file upload');
    if (form.fields.has(field)) throw denied(`duplicate field ${field}`);
    const value = part.content.toString('utf8');
    form.fields.set(field, value);
    form.ordered.push({ name: part.name, value });
  }
  return form;
}

/**
 * The form the engine gets, written from the checked one: every field as it was checked (the key under the name
 * `key`, which every engine reads), then the file.
 */
export function rewriteForm(form: Form): { contentType: string; body: Buffer } {
  if (!form.file) throw denied('missing policy, signature or file');
  const fields = form.ordered.map(({ name, value }) => ({
    name: name.toLowerCase() === 'key' ? 'key' : name,
    value,
  }));
  return writeForm(fields, form.file);
}

type Condition = Record<string, unknown> | unknown[];

function readPolicy(policy: string): { expiration: string; conditions: Condition[] } {
  try {
    const document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as {
      expiration?: unknown;
      conditions?: unknown;
    };
    if (typeof document.expiration !== 'string' || !Array.isArray(document.conditions)) throw new Error();
    return { expiration: document.expiration, conditions: document.conditions as Condition[] };
  } catch {
    throw new S3Refusal(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
}

function checkLength(fileSize: number, min: unknown, max: unknown) {
  if (fileSize < Number(min))
    throw new S3Refusal(
      400,
      'EntityTooSmall',
      'Your proposed upload is smaller than the minimum allowed size',
    );
  if (fileSize > Number(max)) throw tooLarge();
}

/** Checks one condition, and returns the field it covers (none for content-length-range). */
function checkCondition(condition: Condition, value: (field: string) => string | undefined, form: Form) {
  if (!Array.isArray(condition)) {
    const entries = Object.entries(condition);
    const [field, expected] = entries[0] ?? [];
    if (entries.length !== 1 || field === undefined) throw denied('malformed condition');
    if (value(field.toLowerCase()) !== expected) throw denied(`Policy Condition failed: {"${field}": …}`);
    return field.toLowerCase();
  }
  const [op, a, b] = condition;
  if (op === 'content-length-range') {
    checkLength(form.fileSize, a, b);
    return undefined;
  }
  if (typeof a !== 'string' || !a.startsWith('$') || typeof b !== 'string')
    throw denied('malformed condition');
  const field = a.slice(1).toLowerCase();
  const actual = value(field) ?? '';
  if (op === 'eq' && actual === b) return field;
  if (op === 'starts-with' && actual.startsWith(b)) return field;
  if (op !== 'eq' && op !== 'starts-with') throw denied(`unknown condition ${String(op)}`);
  throw denied(`Policy Condition failed: ["${op}", "$${field}", …]`);
}

/** Checks a POST form against its policy as S3 does. Returns the object key. */
export function checkPostPolicy(form: Form, bucket: string, creds: Credentials, now: number): string {
  const field = (name: string) => form.fields.get(name);
  const policy = field('policy');
  const signature = field('x-amz-signature');
  const credential = field('x-amz-credential');
  if (!policy || !signature || !credential || !form.hasFile)
    throw denied('missing policy, signature or file');
  if (field('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') throw denied('unsupported x-amz-algorithm');
  const [accessKeyId, date = '', region = '', service = '', terminal] = credential.split('/');
  if (!date || !region || service !== 's3' || terminal !== 'aws4_request')
    throw denied('malformed credential');
  if (accessKeyId !== creds.accessKeyId) {
    throw new S3Refusal(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  const expected = hmac(signingKey(creds.secretAccessKey, date, region, service), policy).toString('hex');
  if (!sameSignature(expected, signature)) {
    throw new S3Refusal(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided',
    );
  }
  const document = readPolicy(policy);
  if (!(Date.parse(document.expiration) > now)) throw denied('Policy expired.');

  const value = (name: string) => (name === 'bucket' ? bucket : field(name));
  const covered = new Set(['policy', 'x-amz-signature', 'file']);
  for (const condition of document.conditions) {
    const name = checkCondition(condition, value, form);
    if (name) covered.add(name);
  }
  for (const name of form.fields.keys()) {
    if (!covered.has(name) && !name.startsWith('x-ignore-')) throw denied(`Extra input fields: ${name}`);
  }
  const objectKey = field('key');
  if (!objectKey) throw denied('missing key');
  return objectKey;
}
