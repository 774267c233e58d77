/**
 * A fault-injecting proxy in front of the local gateway's @connections API (the runtime's `pushEndpoint` option):
 * it passes every push through, except that it can hang the pushes to chosen connections (never answer) or fail
 * chosen pushes with a 500, as API Gateway sometimes does. It counts the pushes each connection was sent.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '../../local/runtime.js';

export interface PushProxy {
  /** The URL to give the runtime as its push endpoint. */
  url: string;
  /** Pushes to these connection ids are never answered. */
  hang: Set<string>;
  /** Called for every push with the connection id and how many it was sent before; true fails it with a 500. */
  fail: (connectionId: string, count: number) => boolean;
  /** Pushes seen per connection id (failed and hung ones included). */
  counts: Map<string, number>;
  /** Hung pushes per connection id that their sender gave up on (closed the request) before the proxy closed. */
  abandoned: Map<string, number>;
  close(): Promise<void>;
}

export async function startPushProxy(target: () => string): Promise<PushProxy> {
  const held: ServerResponse[] = [];
  const proxy: Omit<PushProxy, 'url' | 'close'> = {
    hang: new Set(),
    fail: () => false,
    counts: new Map(),
    abandoned: new Map(),
  };
  let closing = false;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const id = decodeURIComponent(/@connections\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
    const count = proxy.counts.get(id) ?? 0;
    proxy.counts.set(id, count + 1);
    if (req.method === 'POST' && proxy.hang.has(id)) {
      held.push(res);
      res.on('close', () => {
        if (!closing) proxy.abandoned.set(id, (proxy.abandoned.get(id) ?? 0) + 1);
      });
      return;
    }
    if (req.method === 'POST' && proxy.fail(id, count)) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal server error"}');
      return;
    }
    const upstream = new URL(target());
    const out = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        // The Host the handler signed (this proxy's), as a proxy that re-signs nothing must pass it on.
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    out.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      closing = true;
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/**
 * A local runtime in this process whose pushes go through a push proxy (scale, TYPING's side channel): the proxy
 * first, then the runtime told to push to it. `stop()` stops both, the runtime first. `env`: settings the handlers
 * read once, set before the runtime loads them (nothing of shared/ may have read its config before).
 */
export async function startProxiedRuntime(
  env: Record<string, string> = {},
): Promise<{ runtime: Runtime; proxy: PushProxy; stop(): Promise<void> }> {
  delete process.env.WS_URL;
  process.env.OBROL_LOG ??= 'silent';
  Object.assign(process.env, env);
  let gateway = '';
  const proxy = await startPushProxy(() => gateway);
  const { startRuntime } = await import('../../local/runtime.js');
  const runtime = await startRuntime({
    port: 0,
    pushEndpoint: async (callbackUrl) => {
      gateway = callbackUrl;
      return `${proxy.url}${new URL(callbackUrl).pathname}`;
    },
  });
  return {
    runtime,
    proxy,
    stop: async () => {
      await runtime.stop();
      await proxy.close();
    },
  };
}
