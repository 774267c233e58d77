/**
 * The local runtime's front door to S3, in front of whichever S3-compatible engine runs (s3rver, moto, LocalStack).
 * It passes every request through and adds the two things those engines do not do as S3 does:
 *  - it enforces browser-upload POST policies (signature, expiry, exact fields, content-length-range), and
 *  - it announces each object created under `uploads/` as an S3 ObjectCreated event, as the bucket notification
 *    does on AWS, so the same lambdas/ handler delivers the file.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Event } from 'aws-lambda';
import busboy from 'busboy';

export interface S3FrontOptions {
  host: string;
  upstream: string;
  region: string;
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

class S3Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function xmlError(res: ServerResponse, error: S3Refusal) {
  res.writeHead(error.status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${error.message}</Message></Error>`,
  );
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

interface Form {
  fields: Map<string, string>;
  fileSize: number;
  hasFile: boolean;
}

function parseForm(headers: IncomingMessage['headers'], body: Buffer): Promise<Form> {
  return new Promise((resolve, reject) => {
    const form: Form = { fields: new Map(), fileSize: 0, hasFile: false };
    const parser = busboy({ headers, limits: { fileSize: Number.MAX_SAFE_INTEGER } });
    parser.on('field', (name, value) => {
      if (!form.hasFile) form.fields.set(name.toLowerCase(), value);
    });
    parser.on('file', (name, stream) => {
      if (name.toLowerCase() !== 'file' || form.hasFile) {
        stream.resume();
        return;
      }
      form.hasFile = true;
      stream.on('data', (chunk: Buffer) => {
        form.fileSize += chunk.length;
      });
    });
    parser.on('close', () => resolve(form));
    parser.on('error', reject);
    parser.end(body);
  });
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

const denied = (why: string) => new S3Refusal(403, 'AccessDenied', `Invalid according to Policy: ${why}`);

/** Checks a POST form against its policy as S3 does. Returns the object key. */
export function checkPostPolicy(form: Form, bucket: string, secretAccessKey: string, now: number): string {
  const policy = form.fields.get('policy');
  const signature = form.fields.get('x-amz-signature');
  const credential = form.fields.get('x-amz-credential');
  if (!policy || !signature || !credential || !form.hasFile)
    throw denied('missing policy, signature or file');
  const [, date, region, service] = credential.split('/');
  if (!date || !region || !service) throw denied('malformed credential');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  if (hmac(key, policy).toString('hex') !== signature) {
    throw new S3Refusal(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided',
    );
  }
  const document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as {
    expiration: string;
    conditions: Array<Record<string, string> | [string, string | number, string | number]>;
  };
  if (!(Date.parse(document.expiration) > now)) throw denied('Policy expired.');

  const value = (name: string) => (name === 'bucket' ? bucket : form.fields.get(name.toLowerCase()));
  const covered = new Set(['policy', 'x-amz-signature', 'file']);
  for (const condition of document.conditions) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition;
      if (op === 'content-length-range') {
        if (form.fileSize < Number(a))
          throw new S3Refusal(
            400,
            'EntityTooSmall',
            'Your proposed upload is smaller than the minimum allowed size',
          );
        if (form.fileSize > Number(b))
          throw new S3Refusal(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
        continue;
      }
      const field = String(a).replace(/^\$/, '').toLowerCase();
      covered.add(field);
      const actual = value(field) ?? '';
      if (op === 'eq' && actual !== String(b))
        throw denied(`Policy Condition failed: ["eq", "$${field}", "${b}"]`);
      if (op === 'starts-with' && !actual.startsWith(String(b)))
        throw denied(`Policy Condition failed: ["starts-with", "$${field}"]`);
    } else {
      for (const [field, expected] of Object.entries(condition)) {
        covered.add(field.toLowerCase());
        if (value(field.toLowerCase()) !== expected)
          throw denied(`Policy Condition failed: {"${field}": "${expected}"}`);
      }
    }
  }
  for (const field of form.fields.keys()) {
    if (!covered.has(field) && !field.startsWith('x-ignore-')) throw denied(`Extra input fields: ${field}`);
  }
  const objectKey = form.fields.get('key');
  if (!objectKey) throw denied('missing key');
  return objectKey;
}

/** S3 event keys are URL-encoded with `+` for spaces. */
function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  const upstream = new URL(options.upstream);
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
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
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
  ) => {
    const headers = { ...req.headers, host: upstream.host };
    if (body) headers['content-length'] = String(body.length);
    const out = request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => onDone(answer.statusCode ?? 502));
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    if (body) out.end(body);
    else req.pipe(out);
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      const [, bucket = '', ...rest] = path.split('/');
      const isForm =
        req.method === 'POST' &&
        rest.join('') === '' &&
        /multipart\/form-data/i.test(req.headers['content-type'] ?? '');
      if (isForm) {
        const body = await readBody(req, options.maxBodyBytes);
        const form = await parseForm(req.headers, body);
        const key = checkPostPolicy(form, decodeURIComponent(bucket), options.secretAccessKey, Date.now());
        forward(req, res, body, (status) => status < 300 && notify(bucket, key, form.fileSize, 'Post'));
      } else if (req.method === 'PUT' && rest.length > 0 && !new URL(req.url ?? '/', 'http://local').search) {
        const key = decodeURIComponent(rest.join('/'));
        const size = Number(req.headers['content-length'] ?? 0);
        forward(req, res, undefined, (status) => status < 300 && notify(bucket, key, size, 'Put'));
      } else {
        forward(req, res, undefined, () => undefined);
      }
    } catch (error) {
      req.resume();
      xmlError(
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
