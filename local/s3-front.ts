/**
 * The local runtime's front door to S3, in front of whichever S3-compatible engine runs (s3rver, moto, LocalStack);
 * the embedded s3rver listens on a private Unix socket, so this door is the only way to it.
 * It makes the bucket behave as a private S3 bucket, whatever the engine behind it does:
 *  - every request must be signed (SigV4 in the Authorization header, as the SDK signs, or a presigned link, see
 *    ./sigv4.ts) or be a browser-upload POST form that passes its policy (./post-policy.ts); anything anonymous
 *    is refused with 403 AccessDenied before it reaches the engine (only CORS preflights pass unsigned); a form
 *    is parsed once, strictly (./multipart.ts), and the engine gets it rewritten from what was checked;
 *  - `If-None-Match: *` on a PUT or copy is honoured (412 when the object exists), as S3's conditional writes are;
 *  - it announces each object created under `uploads/` as an S3 ObjectCreated event, as the bucket notification
 *    does on AWS, so the same lambdas/ handler delivers the file.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Event } from 'aws-lambda';
import { checkPostPolicy, parseForm, rewriteForm } from './post-policy.js';
import { relay } from './relay.js';
import { S3Refusal, writeRefusal } from './s3-refusal.js';
import { verifySignedRequest } from './sigv4.js';

export interface S3FrontOptions {
  host: string;
  upstream: string;
  /** The engine's Unix socket, when it listens on one (the embedded s3rver): requests go there, `upstream` unused. */
  upstreamSocket?: string;
  region: string;
  /** The one key pair the bucket accepts signatures from (the runtime's own). */
  accessKeyId: string;
  secretAccessKey: string;
  /** The largest POST body read before refusing (the policy's own limit is checked exactly). */
  maxBodyBytes: number;
  /** Object-created notifications for keys with this prefix. */
  notifyPrefix: string;
  onObjectCreated: (event: S3Event) => Promise<void>;
}

export interface S3Front {
  endpoint: string;
  /** Resolves once every notification sent so far has been handled. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw new S3Refusal(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new S3Refusal(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** S3 event keys are URL-encoded with `+` for spaces. */
function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  const upstream = new URL(options.upstream);
  // Where requests go: the engine's socket (the Host header then stays the front door's), or its host and port.
  const target = (req?: IncomingMessage) =>
    options.upstreamSocket
      ? { socketPath: options.upstreamSocket, host: req?.headers.host ?? 'localhost' }
      : {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          host: upstream.host,
        };
  const notifications = new Set<Promise<void>>();

  const notify = (bucket: string, key: string, size: number, kind: 'Put' | 'Post') => {
    if (!key.startsWith(options.notifyPrefix)) return;
    const event = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: options.region,
          eventTime: new Date().toISOString(),
          eventName: `ObjectCreated:${kind}`,
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'uploads',
            bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: { key: eventKey(key), size },
          },
        },
      ],
    } as unknown as S3Event;
    // S3 invokes the function asynchronously and retries a failed invocation twice.
    const run = (async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await options.onObjectCreated(event);
          return;
        } catch {
          await sleep(100 * (attempt + 1));
        }
      }
    })();
    notifications.add(run);
    run.finally(() => notifications.delete(run));
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
    onDone: (status: number) => void,
    contentType?: string,
  ) => {
    const { host, ...where } = target(req);
    const headers = { ...req.headers, host };
    if (body) {
      headers['content-length'] = String(body.length);
      delete headers['transfer-encoding'];
    }
    if (contentType) headers['content-type'] = contentType;
    relay(req, res, { ...where, path: req.url, headers }, body, onDone);
  };

  /** Whether the object exists, for a conditional write (`If-None-Match: *`): 412 when it does. */
  const exists = (path: string) =>
    new Promise<boolean>((resolve, reject) => {
      const { host: _host, ...where } = target();
      const head = request(
        {
          ...where,
          method: 'HEAD',
          path,
        },
        (answer) => {
          answer.resume();
          // Unsigned, so an engine may answer 403 for an object that exists (moto does); only 404 means absent.
          const status = answer.statusCode ?? 0;
          if (status === 404) resolve(false);
          else if (status === 200 || status === 403) resolve(true);
          else reject(new S3Refusal(503, 'ServiceUnavailable', 'Please reduce your request rate.'));
        },
      );
      head.on('error', reject);
      head.end();
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const isForm =
      req.method === 'POST' &&
      rest.join('') === '' &&
      !url.search &&
      /multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    if (isForm) {
      const body = await readBody(req, options.maxBodyBytes);
      const form = parseForm(req.headers, body);
      const key = checkPostPolicy(form, decodeURIComponent(bucket), options, Date.now());
      // The engine gets the form as checked, written anew: it cannot read another key out of the client's bytes.
      const clean = rewriteForm(form);
      forward(
        req,
        res,
        clean.body,
        (status) => status < 300 && notify(bucket, key, form.fileSize, 'Post'),
        clean.contentType,
      );
      return;
    }
    // A CORS preflight carries no credentials, on S3 too; the engine answers it from the bucket's CORS rules.
    if (req.method === 'OPTIONS') {
      forward(req, res, undefined, () => undefined);
      return;
    }
    verifySignedRequest(
      { method: req.method ?? 'GET', path: rawPath, query: url.search.slice(1), headers: req.headers },
      options,
      Date.now(),
    );
    // An object PUT (or copy): no sub-resource in the query (the SDK adds only `x-id=PutObject`/`CopyObject`).
    const isPut =
      req.method === 'PUT' && rest.length > 0 && [...url.searchParams.keys()].every((k) => k === 'x-id');
    if (isPut && req.headers['if-none-match'] === '*' && (await exists(rawPath))) {
      throw new S3Refusal(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      );
    }
    if (isPut && req.headers['x-amz-copy-source'] === undefined) {
      const key = decodeURIComponent(rest.join('/'));
      const size = Number(req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'] ?? 0);
      forward(req, res, undefined, (status) => status < 300 && notify(bucket, key, size, 'Put'));
      return;
    }
    forward(req, res, undefined, () => undefined);
  };

  const server: Server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (error) {
      req.resume();
      writeRefusal(
        res,
        error instanceof S3Refusal
          ? error
          : new S3Refusal(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed'),
      );
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${options.host}:${port}`,
    settled: async () => {
      while (notifications.size > 0) await Promise.allSettled([...notifications]);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      while (notifications.size > 0) await Promise.allSettled([...notifications]);
    },
  };
}
