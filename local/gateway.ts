/**
 * A local stand-in for API Gateway WebSockets, just wide enough to run obrol's real Lambda handlers:
 * the same event shapes, $connect/$disconnect/$default routing, two-way route responses, the
 * "Internal server error" frame when a handler throws, the @connections management API (POST, GET, DELETE;
 * 410 for unknown ids), the 128 KB frame limit (close code 1009) and the idle timeout.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../shared/protocol/replies.js';
import { checkEngineRequest, EngineRefusal, writeEngineRefusal } from './engine-auth.js';
import type { Credentials } from './sigv4.js';

export type RouteResult = { statusCode?: number; body?: string } | string | undefined;
// biome-ignore lint/suspicious/noExplicitAny: the gateway hands each handler the event shape API Gateway would.
export type RouteHandler = (event: any) => Promise<RouteResult>;

export interface Routes {
  $connect: RouteHandler;
  $disconnect: RouteHandler;
  $default: RouteHandler;
}

export interface GatewayOptions {
  host: string;
  port: number;
  stage: string;
  idleTimeoutMs: number;
  /** Loaded once the port is known, so handlers can be configured with the callback URL first. */
  routes: (callbackUrl: string) => Promise<Routes>;
  /** Answers plain HTTP requests that are not for @connections (the web page); without it they get 404. */
  httpHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** With these (the runtime's), @connections serves only requests signed with them, as on AWS (./engine-auth.ts). */
  credentials?: Credentials;
}

interface Live {
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string | undefined;
  idle: NodeJS.Timeout | undefined;
}

export interface Gateway {
  port: number;
  url: string;
  callbackUrl: string;
  close(): Promise<void>;
}

function newConnectionId(): string {
  return `${randomBytes(10).toString('base64url')}=`;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const live = new Map<string, Live>();
  let routes: Routes | undefined;
  let domainName = '';

  const requestContext = (
    connectionId: string,
    conn: Pick<Live, 'connectedAt' | 'sourceIp' | 'userAgent'>,
  ) => {
    const now = Date.now();
    return {
      connectionId,
      domainName,
      stage: options.stage,
      apiId: 'local',
      requestId: randomUUID(),
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      connectedAt: conn.connectedAt,
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
    };
  };

  const inFlight = new Set<Promise<unknown>>();
  const invoke = async (route: keyof Routes, event: unknown): Promise<RouteResult | Error> => {
    const run = (async () => {
      try {
        if (!routes) throw new Error('the handlers are still loading');
        return await routes[route](event);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    })();
    inFlight.add(run);
    try {
      return await run;
    } finally {
      inFlight.delete(run);
    }
  };

  const touch = (connectionId: string, conn: Live) => {
    conn.lastActiveAt = Date.now();
    if (conn.idle) clearTimeout(conn.idle);
    conn.idle = setTimeout(() => conn.socket.close(1001, 'Going away'), options.idleTimeoutMs);
    conn.idle.unref();
    live.set(connectionId, conn);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const server: Server = createServer((req, res) => {
    handleManagement(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  server.on('upgrade', async (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const connectionId = newConnectionId();
    const conn = {
      connectedAt: Date.now(),
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: req.headers['user-agent'],
    };
    const result = await invoke('$connect', {
      headers: req.headers,
      isBase64Encoded: false,
      requestContext: { ...requestContext(connectionId, conn), routeKey: '$connect', eventType: 'CONNECT' },
    });
    const status =
      result instanceof Error ? 500 : typeof result === 'object' ? (result.statusCode ?? 200) : 200;
    if (status < 200 || status > 299) {
      socket.end(
        `HTTP/1.1 ${status === 500 ? '500 Internal Server Error' : `${status} Forbidden`}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, connectionId, conn));
  });

  const accept = (
    socket: WebSocket,
    connectionId: string,
    info: Omit<Live, 'socket' | 'lastActiveAt' | 'idle'>,
  ) => {
    const conn: Live = { ...info, socket, lastActiveAt: Date.now(), idle: undefined };
    touch(connectionId, conn);
    socket.on('message', async (data: RawData, isBinary: boolean) => {
      touch(connectionId, conn);
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const result = await invoke('$default', {
        body: isBinary ? buffer.toString('base64') : buffer.toString('utf8'),
        isBase64Encoded: isBinary,
        requestContext: {
          ...requestContext(connectionId, conn),
          routeKey: '$default',
          eventType: 'MESSAGE',
          messageId: randomBytes(8).toString('base64url'),
          messageDirection: 'IN',
        },
      });
      if (socket.readyState !== WebSocket.OPEN) return;
      if (result instanceof Error) {
        const ctx = requestContext(connectionId, conn);
        socket.send(
          JSON.stringify({ message: 'Internal server error', connectionId, requestId: ctx.requestId }),
        );
      } else if (typeof result === 'string') {
        socket.send(result);
      } else if (result?.body !== undefined) {
        socket.send(result.body);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', async (code: number, reason: Buffer) => {
      if (conn.idle) clearTimeout(conn.idle);
      live.delete(connectionId);
      await invoke('$disconnect', {
        requestContext: {
          ...requestContext(connectionId, conn),
          routeKey: '$disconnect',
          eventType: 'DISCONNECT',
          disconnectStatusCode: code,
          disconnectReason: reason.toString('utf8'),
        },
      });
    });
  };

  /** POST/GET/DELETE /{stage}/@connections/{id}, as API Gateway's management API answers them. */
  const handleManagement = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^(?:\/[^/]+)?\/@connections\/([^/?]+)/.exec(req.url ?? '');
    if (!match?.[1]) {
      if (options.httpHandler) return options.httpHandler(req, res);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const connectionId = decodeURIComponent(match[1]);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (options.credentials) {
      try {
        checkEngineRequest(req, Buffer.concat(chunks), options.credentials, 'execute-api');
      } catch (error) {
        if (error instanceof EngineRefusal) return writeEngineRefusal(res, 'execute-api', error);
        throw error;
      }
    }
    const conn = live.get(connectionId);
    if (!conn || conn.socket.readyState !== WebSocket.OPEN) {
      res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
      res.end('{"message":"Gone"}');
      return;
    }
    if (req.method === 'POST') {
      const body = Buffer.concat(chunks);
      if (body.length > MAX_FRAME_BYTES) {
        res.writeHead(413, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'PayloadTooLargeException',
        });
        res.end('{"message":"Message too long"}');
        return;
      }
      await new Promise<void>((resolve, reject) =>
        conn.socket.send(body.toString('utf8'), (err) => (err ? reject(err) : resolve())),
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ConnectedAt: new Date(conn.connectedAt).toISOString(),
          LastActiveAt: new Date(conn.lastActiveAt).toISOString(),
          Identity: { SourceIp: conn.sourceIp, UserAgent: conn.userAgent },
        }),
      );
    } else if (req.method === 'DELETE') {
      conn.socket.close(1000, 'Closed by the service');
      res.writeHead(204).end();
    } else {
      res.writeHead(405).end();
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  domainName = `${options.host}:${port}`;
  const callbackUrl = `http://${domainName}/${options.stage}`;
  routes = await options.routes(callbackUrl);

  return {
    port,
    url: `ws://${domainName}`,
    callbackUrl,
    close: async () => {
      const closing = [...live.values()].map(
        (conn) => new Promise((resolve) => conn.socket.once('close', resolve)),
      );
      for (const conn of live.values()) conn.socket.terminate();
      await Promise.all(closing);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
