/**
 * Serves the built web page (web/build.ts) from the local gateway's own port: GET / (index.html), /config.json
 * (the WebSocket URL the page connects to) and the bundle's files; everything else is 404. The files are read
 * once, when the handler is made. The headers mirror the deployed CloudFront policy (infra/web.ts), so the
 * browser tests run the page under the same Content-Security-Policy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { pageCsp } from '../web/csp.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * `wsUrl` may be a function: the gateway's port (and so its URL) is known only once it listens.
 * `filesOrigin` is where signed links and upload forms point (the S3 endpoint), for the CSP.
 */
export function webHandler(
  dir: string,
  wsUrl: string | (() => string),
  filesOrigin?: string | (() => string),
): HttpHandler {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    if (TYPES[extname(name)] && name !== 'config.json') files.set(`/${name}`, readFileSync(join(dir, name)));
  }
  if (!files.has('/index.html'))
    throw new Error(`no index.html in ${dir}: build the page first (npm run build:web)`);
  const value = (v: string | (() => string) | undefined) => (typeof v === 'function' ? v() : v);

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const name = path === '/' ? '/index.html' : path;
    const ws = value(wsUrl) ?? '';
    const body = name === '/config.json' ? Buffer.from(JSON.stringify({ wsUrl: ws })) : files.get(name);
    if (!body || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res
        .writeHead(body ? 405 : 404, { 'content-type': 'text/plain' })
        .end(body ? 'Method Not Allowed' : 'Not Found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy': pageCsp(
        ws,
        [value(filesOrigin)].filter((o) => o !== undefined),
        {
          header: true,
        },
      ),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
