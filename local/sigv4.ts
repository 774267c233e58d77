/**
 * AWS Signature Version 4 as S3 checks it, for the local front door: requests signed in the Authorization header
 * (the SDK's own calls) and presigned links (the signature in the query string). The signature is recomputed with
 * the runtime's secret key; the request time must be within 15 minutes of now (header) or the link unexpired
 * (query). The payload hash is taken as signed (`x-amz-content-sha256`), not recomputed from the body.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { accessDenied, S3Refusal } from './s3-refusal.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The path as sent (already URI-encoded), without the query. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

const mismatch = () =>
  new S3Refusal(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Derived keys by secret, day, region and service: four HMACs that every request of a day would repeat. */
const derivedKeys = new Map<string, Buffer>();
const DERIVED_KEYS_KEPT = 64;

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}\n${date}\n${region}\n${service}`;
  let key = derivedKeys.get(id);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
    if (derivedKeys.size >= DERIVED_KEYS_KEPT) derivedKeys.clear();
    derivedKeys.set(id, key);
  }
  return key;
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 3986 encoding, as SigV4 canonicalizes the query. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw accessDenied('Malformed query string');
  }
}

export function parseQuery(query: string): Array<[string, string]> {
  return query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
    });
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function canonicalHeaders(headers: IncomingHttpHeaders, signed: string[]): string {
  return signed
    .map((name) => {
      const value = headerValue(headers, name);
      if (value === undefined) throw mismatch();
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
}

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(credential: string, creds: Credentials, expectedService = 's3'): Scope {
  const [accessKeyId = '', date = '', region = '', service = '', terminal] = credential.split('/');
  if (!/^\d{8}$/.test(date) || !region || service !== expectedService || terminal !== 'aws4_request') {
    throw new S3Refusal(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed');
  }
  if (accessKeyId !== creds.accessKeyId) {
    throw new S3Refusal(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  return { accessKeyId, date, region, service };
}

/** `20261127T120000Z` → epoch ms, or NaN. */
export function parseAmzDate(text: string | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function expectedSignature(
  req: SignedRequest,
  pairs: Array<[string, string]>,
  signedHeaders: string,
  payloadHash: string,
  amzDate: string,
  scope: Scope,
  secret: string,
): string {
  const signed = signedHeaders.split(';');
  if (!signed.includes('host')) throw accessDenied('host must be signed');
  const canonical = [
    req.method,
    req.path,
    canonicalQuery(pairs),
    canonicalHeaders(req.headers, signed),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scopeText = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const toSign = [ALGORITHM, amzDate, scopeText, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  return hmac(signingKey(secret, scope.date, scope.region, scope.service), toSign).toString('hex');
}

/**
 * Verifies a request signed in its Authorization header. S3 takes the payload hash as signed; the local engines
 * of other services (DynamoDB, SQS, @connections: ./engine-auth.ts) pass `bodyHash`, the hash of the body they
 * read, which the signature must cover.
 */
export function verifyHeaderSignature(
  req: SignedRequest,
  creds: Credentials,
  now: number,
  service = 's3',
  bodyHash?: string,
): void {
  const auth = headerValue(req.headers, 'authorization') ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      auth.trim(),
    );
  if (!m) throw new S3Refusal(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed');
  const [, credential = '', signedHeaders = '', signature = ''] = m;
  const scope = parseCredential(credential, creds, service);
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const time = parseAmzDate(amzDate);
  if (!amzDate || Number.isNaN(time) || !amzDate.startsWith(scope.date)) throw accessDenied('Bad x-amz-date');
  if (Math.abs(now - time) > MAX_SKEW_MS) {
    throw new S3Refusal(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  }
  const claimed = headerValue(req.headers, 'x-amz-content-sha256');
  if (bodyHash !== undefined && claimed !== undefined && claimed !== bodyHash) throw mismatch();
  const payloadHash = bodyHash ?? claimed;
  if (!payloadHash)
    throw new S3Refusal(400, 'InvalidRequest', 'Missing required header x-amz-content-sha256');
  const pairs = parseQuery(req.query);
  const expected = expectedSignature(
    req,
    pairs,
    signedHeaders,
    payloadHash,
    amzDate,
    scope,
    creds.secretAccessKey,
  );
  if (!sameSignature(expected, signature)) throw mismatch();
}

/** Verifies a presigned link (query-string SigV4) and its expiry. */
export function verifyQuerySignature(req: SignedRequest, creds: Credentials, now: number): void {
  const pairs = parseQuery(req.query);
  const param = (name: string) => {
    const found = pairs.filter(([k]) => k === name);
    if (found.length !== 1) throw accessDenied(`Query-string authentication requires exactly one ${name}`);
    return (found[0] as [string, string])[1];
  };
  if (param('X-Amz-Algorithm') !== ALGORITHM) throw accessDenied('Unsupported signing algorithm');
  const scope = parseCredential(param('X-Amz-Credential'), creds);
  const amzDate = param('X-Amz-Date');
  const time = parseAmzDate(amzDate);
  const expires = Number(param('X-Amz-Expires'));
  if (Number.isNaN(time) || !amzDate.startsWith(scope.date)) throw accessDenied('Bad X-Amz-Date');
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS) {
    throw accessDenied('X-Amz-Expires must be between 1 and 604800 seconds');
  }
  if (now > time + expires * 1000) throw accessDenied('Request has expired');
  if (time - now > MAX_SKEW_MS) throw accessDenied('Request is not yet valid');
  const signature = param('X-Amz-Signature');
  const unsigned = pairs.filter(([k]) => k !== 'X-Amz-Signature');
  const expected = expectedSignature(
    req,
    unsigned,
    param('X-Amz-SignedHeaders'),
    'UNSIGNED-PAYLOAD',
    amzDate,
    scope,
    creds.secretAccessKey,
  );
  if (!sameSignature(expected, signature)) throw mismatch();
}

/**
 * Verifies whichever SigV4 form the request carries; a request with neither is anonymous, and a private bucket
 * refuses anonymous requests with 403 AccessDenied.
 */
export function verifySignedRequest(req: SignedRequest, creds: Credentials, now: number): void {
  if (headerValue(req.headers, 'authorization') !== undefined) {
    verifyHeaderSignature(req, creds, now);
    return;
  }
  if (parseQuery(req.query).some(([k]) => k === 'X-Amz-Signature' || k === 'X-Amz-Credential')) {
    verifyQuerySignature(req, creds, now);
    return;
  }
  throw accessDenied();
}
