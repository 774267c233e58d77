/**
 * The local engines answer only their runtime (issue 22 item 9). Before, dynalite, s3rver, the SQS stand-in and the
 * gateway's @connections API took any request on 127.0.0.1, so any local process — or a web page making requests to
 * loopback — could list the files, read the table (password hashes included) or push frames to any connection.
 *
 * Now each runtime start makes its own key pair (`newCredentials`), the handlers sign with it as they sign on AWS,
 * and every engine checks AWS Signature V4 with it (./sigv4.ts) before acting, over the body it read:
 *  - dynalite listens on a Unix socket in a private folder (mode 0700, `privateSocket`) and a small front on
 *    127.0.0.1 (`startSignedFront`) passes it only signed requests;
 *  - s3rver listens on such a socket too, behind the S3 front door (./s3-front.ts), which already checks SigV4;
 *  - the SQS stand-in (./sqs.ts) and @connections (./gateway.ts) check in their request handlers.
 * A request that is unsigned, signed with another key, with a wrong signature, or more than 15 minutes off is
 * refused with each service's own error shape (`writeEngineRefusal`), before the engine sees it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relay } from './relay.js';
import { S3Refusal } from './s3-refusal.js';
import { type Credentials, verifyHeaderSignature } from './sigv4.js';

/** A fresh key pair, shaped like AWS's (20 characters, 40 characters), for one runtime start. */
export function newCredentials(): Credentials {
  return {
    accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase().slice(0, 15)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

/** The SigV4 service names the engines check: DynamoDB, SQS, the @connections API. */
export type EngineService = 'dynamodb' | 'sqs' | 'execute-api';

type Kind = 'missing' | 'unknown-key' | 'signature' | 'expired';

export class EngineRefusal extends Error {
  constructor(readonly kind: Kind) {
    super(kind);
  }
}

/** RFC 3986 encoding, as SigV4 canonicalizes. */
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function kindOf(error: unknown): Kind {
  if (!(error instanceof S3Refusal)) return 'signature';
  if (error.code === 'InvalidAccessKeyId') return 'unknown-key';
  if (error.code === 'RequestTimeTooSkewed') return 'expired';
  return 'signature';
}

/** Throws EngineRefusal unless the request is signed (Authorization header) with `creds` for `service`. */
export function checkEngineRequest(
  req: IncomingMessage,
  body: Buffer,
  creds: Credentials,
  service: EngineService,
  now = Date.now(),
): void {
  if (req.headers.authorization === undefined) throw new EngineRefusal('missing');
  const [path = '/', query = ''] = (req.url ?? '/').split(/\?(.*)/s);
  // Services other than S3 sign the path URI-encoded once more (each segment), as the SDK's signer does.
  const canonicalPath = path.split('/').map(uriEncode).join('/');
  try {
    verifyHeaderSignature(
      { method: req.method ?? 'GET', path: canonicalPath, query, headers: req.headers },
      creds,
      now,
      service,
      createHash('sha256').update(body).digest('hex'),
    );
  } catch (error) {
    throw new EngineRefusal(kindOf(error));
  }
}

const MESSAGES: Record<Kind, string> = {
  missing: 'Request is missing Authentication Token',
  'unknown-key': 'The security token included in the request is invalid.',
  signature:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  expired: 'Signature expired: the request time is more than 15 minutes away from the current time.',
};

/** The error type DynamoDB and API Gateway name for each refusal (SQS has codes of its own, below). */
const ERROR_TYPES: Record<EngineRefusal['kind'], string> = {
  missing: 'MissingAuthenticationTokenException',
  'unknown-key': 'UnrecognizedClientException',
  signature: 'InvalidSignatureException',
  expired: 'InvalidSignatureException',
};

const SQS_CODES: Record<EngineRefusal['kind'], string> = {
  missing: 'MissingAuthenticationToken',
  'unknown-key': 'InvalidClientTokenId',
  signature: 'SignatureDoesNotMatch',
  expired: 'SignatureDoesNotMatch',
};

/** The refusal as the service writes it: DynamoDB's and SQS's JSON error documents, API Gateway's message. */
export function writeEngineRefusal(res: ServerResponse, service: EngineService, error: EngineRefusal): void {
  const message = MESSAGES[error.kind];
  const type = ERROR_TYPES[error.kind];
  if (service === 'dynamodb') {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message }));
    return;
  }
  if (service === 'sqs') {
    const code = SQS_CODES[error.kind];
    res.writeHead(403, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code};Sender`,
    });
    res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }));
    return;
  }
  res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ message: error.kind === 'missing' ? 'Missing Authentication Token' : message }));
}

/** A Unix socket path in a new folder only this user can enter; `remove` deletes the folder. */
export function privateSocket(name: string): { path: string; remove(): void } {
  // mkdtemp makes the folder with mode 0700.
  const dir = mkdtempSync(join(tmpdir(), 'obrol-engine-'));
  return { path: join(dir, `${name}.sock`), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface SignedFront {
  endpoint: string;
  close(): Promise<void>;
}

/** Reads a request body, up to `limit` bytes (more is refused before it is all read). */
export async function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * 127.0.0.1 on a free port, passing signed requests to the engine on `socketPath` and refusing the rest.
 * `maxBodyBytes` bounds what it reads (DynamoDB's own request limit is 16 MB).
 */
export async function startSignedFront(options: {
  host: string;
  service: EngineService;
  credentials: Credentials;
  socketPath: string;
  maxBodyBytes?: number;
}): Promise<SignedFront> {
  const limit = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readRequestBody(req, limit);
    if (!body) {
      res.writeHead(413, { connection: 'close' }).end();
      return;
    }
    try {
      checkEngineRequest(req, body, options.credentials, options.service);
    } catch (error) {
      if (error instanceof EngineRefusal) return writeEngineRefusal(res, options.service, error);
      throw error;
    }
    relay(req, res, { socketPath: options.socketPath, path: req.url, headers: req.headers }, body);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => resolve());
  });
  return {
    endpoint: `http://${options.host}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
