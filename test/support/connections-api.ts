/**
 * A stand-in for API Gateway's @connections API, for unit tests of the push and delivery code: it records every
 * frame posted to each connection, and answers 410 Gone for connection ids in `gone` and 500 for those in `failing`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export interface ConnectionsApi {
  endpoint: string;
  /** Frames posted per connection id, in order (those answered 410 or 500 not included). */
  frames: Map<string, string[]>;
  gone: Set<string>;
  failing: Set<string>;
}

export async function useConnectionsApi(): Promise<ConnectionsApi> {
  const api = { frames: new Map<string, string[]>(), gone: new Set<string>(), failing: new Set<string>() };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const id = decodeURIComponent(/@connections\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
    if (api.gone.has(id)) return res.writeHead(410, { 'content-type': 'application/json' }).end('{}');
    if (api.failing.has(id)) return res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
    api.frames.set(id, [...(api.frames.get(id) ?? []), Buffer.concat(chunks).toString('utf8')]);
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { ...api, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
