/**
 * One function's door to the local engines, for the deploy rehearsal (local/runtime.ts `bundles`): the function's
 * SDK clients and the links it signs point here, so every AWS call it makes (and every presigned request made in
 * its name) is recorded as IAM would authorize it — service, action, resource ARN, the condition keys that apply —
 * and then forwarded unchanged to the engine that serves it (DynamoDB, S3's front door, SQS, the gateway's
 * @connections API). The request's Host header is kept, so S3 signatures still verify behind it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseForm } from './post-policy.js';
import { relay } from './relay.js';
import { FAKE_ACCOUNT } from './template.js';

export interface AwsCall {
  /** The function whose role makes the call (`connect`, `default`, …). */
  function: string;
  /** `dynamodb:PutItem`, `s3:GetObject`, … (IAM's action, not the API operation). */
  action: string;
  resource: string;
  /** Condition keys and their values for this request. */
  context: Record<string, string | string[]>;
  /** What was seen, for the report: `DynamoDB_20120810.PutItem`, `GET /bucket/key (presigned)`. */
  request: string;
  /** A service invoking a function: its service principal (for the function's resource policy). */
  principal?: string;
}

export interface Upstreams {
  dynamodb: string;
  s3: string;
  sqs: string;
  /** The gateway's @connections base URL (with its stage path). */
  connections: string;
}

export interface RecorderOptions {
  host: string;
  function: string;
  region: string;
  /** The deployed API id and stage the @connections ARN names. */
  apiId: string;
  stage: string;
  upstreams: Upstreams;
  onCall: (call: AwsCall) => void;
}

export interface Recorder {
  /** http://host:port: the function's endpoint for every service. */
  endpoint: string;
  /** Where its CALLBACK_URL points: the endpoint with the deployed stage's path. */
  callbackUrl: string;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const SECURE = { 'aws:SecureTransport': 'true' };

type Item = Record<string, Record<string, unknown>>;

/** The partition key values an item-level DynamoDB request names (dynamodb:LeadingKeys). */
function leadingKeys(items: (Item | undefined)[]): string[] {
  const keys = new Set<string>();
  for (const item of items) {
    const pk = item?.pk;
    if (pk && typeof pk.S === 'string') keys.add(pk.S);
  }
  return [...keys];
}

/** The partition key a Query's key condition names (`#pk = :pk` or `pk = :pk`). */
function queryLeadingKeys(input: Record<string, unknown>): string[] {
  const expression = String(input.KeyConditionExpression ?? '');
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>;
  for (const match of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const name = match[1]?.startsWith('#') ? names[match[1]] : match[1];
    const value = values[match[2] ?? '']?.S;
    if (name === 'pk' && value !== undefined) return [value];
  }
  return [];
}

/** The IAM calls one DynamoDB API request is authorized as. */
export function dynamoCalls(
  operation: string,
  input: Record<string, unknown>,
  arnOfTable: (table: string) => string,
): { action: string; resource: string; context: Record<string, string | string[]> }[] {
  const withKeys = (keys: string[]) =>
    keys.length > 0 ? { ...SECURE, 'dynamodb:LeadingKeys': keys } : { ...SECURE };
  const table = (name: unknown, index?: unknown) =>
    `${arnOfTable(String(name))}${index ? `/index/${String(index)}` : ''}`;
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [
        {
          action: `dynamodb:${operation}`,
          resource: table(input.TableName),
          context: withKeys(leadingKeys([input.Key as Item])),
        },
      ];
    case 'PutItem':
      return [
        {
          action: 'dynamodb:PutItem',
          resource: table(input.TableName),
          context: withKeys(leadingKeys([input.Item as Item])),
        },
      ];
    case 'Query':
      return [
        {
          action: 'dynamodb:Query',
          resource: table(input.TableName, input.IndexName),
          context: withKeys(queryLeadingKeys(input)),
        },
      ];
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const requests = (input.RequestItems ?? {}) as Record<string, unknown>;
      return Object.entries(requests).map(([name, entry]) => {
        const items =
          operation === 'BatchGetItem'
            ? ((entry as { Keys?: Item[] }).Keys ?? [])
            : ((entry as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]) ?? []).map(
                (w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key,
              );
        return {
          action: `dynamodb:${operation}`,
          resource: table(name),
          context: withKeys(leadingKeys(items)),
        };
      });
    }
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      // A transaction is authorized item by item, as the action each item performs.
      const kinds: Record<string, string> = {
        ConditionCheck: 'ConditionCheckItem',
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        Get: 'GetItem',
      };
      const items = (input.TransactItems ?? []) as Record<string, Record<string, unknown>>[];
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, part]) => ({
          action: `dynamodb:${kinds[kind] ?? kind}`,
          resource: table(part.TableName),
          context: withKeys(leadingKeys([(part.Key ?? part.Item) as Item])),
        })),
      );
    }
    default:
      return [
        {
          action: `dynamodb:${operation}`,
          resource: table(input.TableName ?? input.ResourceArn ?? '*'),
          context: { ...SECURE },
        },
      ];
  }
}

const SQS_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** Path-style S3 requests (the handlers' client uses path style off AWS) as IAM authorizes them. */
export function s3Calls(
  method: string,
  rawUrl: string,
  headers: IncomingMessage['headers'],
  formKey?: string,
  deleteKeys?: string[],
): { action: string; resource: string; context: Record<string, string | string[]> }[] {
  const url = new URL(rawUrl, 'http://local');
  const [, bucketPart = '', ...rest] = url.pathname.split('/');
  const bucket = decodeURIComponent(bucketPart);
  const key = decodeURIComponent(rest.join('/'));
  const object = (k: string) => `arn:aws:s3:::${bucket}/${k}`;
  const query = url.searchParams;
  const context = { ...SECURE };
  if (formKey !== undefined) return [{ action: 's3:PutObject', resource: object(formKey), context }];
  if (deleteKeys) return deleteKeys.map((k) => ({ action: 's3:DeleteObject', resource: object(k), context }));
  if (!key) {
    if (method === 'GET' && !query.has('uploads'))
      return [
        {
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${bucket}`,
          context: { ...context, 's3:prefix': query.get('prefix') ?? '' },
        },
      ];
    return [{ action: `s3:${method}Bucket`, resource: `arn:aws:s3:::${bucket}`, context }];
  }
  if (method === 'DELETE' && query.has('uploadId'))
    return [{ action: 's3:AbortMultipartUpload', resource: object(key), context }];
  if (method === 'GET' || method === 'HEAD')
    return [{ action: 's3:GetObject', resource: object(key), context }];
  if (method === 'DELETE') return [{ action: 's3:DeleteObject', resource: object(key), context }];
  if (method === 'PUT' || method === 'POST') {
    const calls = [{ action: 's3:PutObject', resource: object(key), context }];
    const copySource = headers['x-amz-copy-source'];
    if (typeof copySource === 'string') {
      const source = decodeURIComponent(copySource.split('?')[0] ?? '').replace(/^\//, '');
      calls.push({ action: 's3:GetObject', resource: `arn:aws:s3:::${source}`, context });
    }
    return calls;
  }
  return [{ action: `s3:${method}`, resource: object(key), context }];
}

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const { region } = options;
  const record = (
    calls: { action: string; resource: string; context: Record<string, string | string[]> }[],
    seen: string,
  ) => {
    for (const call of calls) options.onCall({ function: options.function, request: seen, ...call });
  };
  const arnOfTable = (name: string) =>
    name.startsWith('arn:') ? name : `arn:aws:dynamodb:${region}:${FAKE_ACCOUNT}:table/${name}`;

  const forward = (req: IncomingMessage, res: ServerResponse, base: string, path: string, body?: Buffer) => {
    const upstream = new URL(base);
    const headers = { ...req.headers };
    if (body) headers['content-length'] = String(body.length);
    relay(
      req,
      res,
      { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, path, headers },
      body,
    );
  };

  const connectionsBase = new URL(options.upstreams.connections);
  // The function calls @connections under the gateway's own stage path, so the path it signs is the path the
  // gateway checks (a rewritten path would break the SigV4 signature); the ARN still names the template's stage.
  const stagePrefix = connectionsBase.pathname.replace(/\/$/, '') || `/${options.stage}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    if (target.startsWith('DynamoDB_')) {
      const body = await readAll(req);
      const operation = target.split('.')[1] ?? '';
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      record(dynamoCalls(operation, input, arnOfTable), target);
      forward(req, res, options.upstreams.dynamodb, rawUrl, body);
      return;
    }
    if (target.startsWith('AmazonSQS.')) {
      const body = await readAll(req);
      const operation = target.split('.')[1] ?? '';
      const input = JSON.parse(body.toString('utf8') || '{}') as { QueueUrl?: string; QueueName?: string };
      const name =
        input.QueueName ??
        String(input.QueueUrl ?? '')
          .split('/')
          .at(-1);
      record(
        [
          {
            action: `sqs:${SQS_ACTIONS[operation] ?? operation}`,
            resource: `arn:aws:sqs:${region}:${FAKE_ACCOUNT}:${name}`,
            context: { ...SECURE },
          },
        ],
        target,
      );
      forward(req, res, options.upstreams.sqs, rawUrl, body);
      return;
    }
    const management = /^\/[^/]+\/@connections\/([^/?]+)/.exec(rawUrl);
    if (management && rawUrl.startsWith(`${stagePrefix}/`)) {
      const id = management[1] ?? '';
      record(
        [
          {
            action: 'execute-api:ManageConnections',
            resource: `arn:aws:execute-api:${region}:${FAKE_ACCOUNT}:${options.apiId}/${options.stage}/${method}/@connections/${id}`,
            context: { ...SECURE },
          },
        ],
        `${method} @connections`,
      );
      forward(req, res, connectionsBase.origin, rawUrl, undefined);
      return;
    }
    // S3: the function's own calls and the links and forms it signed.
    if (method === 'OPTIONS') {
      forward(req, res, options.upstreams.s3, rawUrl);
      return;
    }
    const url = new URL(rawUrl, 'http://local');
    const presigned = url.searchParams.has('X-Amz-Credential') ? ' (presigned)' : '';
    const seen = `${method} ${url.pathname}${presigned}`;
    const isForm =
      method === 'POST' && /multipart\/form-data/i.test(String(req.headers['content-type'] ?? ''));
    if (isForm) {
      const body = await readAll(req);
      let key: string | undefined;
      try {
        key = (await parseForm(req.headers, body)).fields.get('key');
      } catch {
        // A malformed form is refused by the front door; nothing is authorized.
      }
      if (key !== undefined) record(s3Calls(method, rawUrl, req.headers, key), `${seen} (signed form)`);
      forward(req, res, options.upstreams.s3, rawUrl, body);
      return;
    }
    if (method === 'POST' && url.searchParams.has('delete')) {
      const body = await readAll(req);
      const keys = [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1] ?? '');
      record(s3Calls(method, rawUrl, req.headers, undefined, keys), seen);
      forward(req, res, options.upstreams.s3, rawUrl, body);
      return;
    }
    record(s3Calls(method, rawUrl, req.headers), seen);
    forward(req, res, options.upstreams.s3, rawUrl);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${options.host}:${port}`;
  return {
    endpoint,
    callbackUrl: `${endpoint}${stagePrefix}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
