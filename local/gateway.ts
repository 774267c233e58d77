/**
 * A local stand-in for API Gateway WebSockets, just wide enough to run obrol's real Lambda handlers:
 * the same event shapes, $connect/$disconnect/$default routing, two-way route responses, the
 * "Internal server error" frame when a handler throws, the @connections management API (POST, GET, DELETE;
 * 410 for unknown ids), and every documented limit a client can hit, with AWS's numbers as defaults
 * (GATEWAY_LIMITS; docs/EMULATORS.md has the table with the sources): 32 KB frames and 128 KB messages in
 * (close code 1009), messages out split into frames of at most 32 KB, the 10-minute idle timeout and the
 * 2-hour connection lifetime, the 29 s integration timeout, and the rate of new connections.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
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

/** API Gateway WebSocket quotas (docs/EMULATORS.md): the defaults; tests lower them. */
export interface GatewayLimits {
  /** One WebSocket frame, either direction: 32 KB. A larger client frame closes the connection with 1009. */
  frameBytes: number;
  /** One message (a frame, or frames joined by continuation): 128 KB. Larger from a client closes with 1009. */
  messageBytes: number;
  /** A connection without a message from its client for this long is closed (1001): 10 minutes. */
  idleTimeoutMs: number;
  /** Every connection is closed (1001) after this long, busy or not: 2 hours. */
  maxConnectionMs: number;
  /** A $default integration taking longer gets API Gateway's timeout message instead: 29 s. */
  integrationTimeoutMs: number;
  /** New connections per second (account and Region), a token bucket: 500 a second. */
  connectPerSecond: number;
  /** The bucket's size (AWS documents no separate burst for new connections: one second's worth). */
  connectBurst: number;
}

const KB = 1024;
export const GATEWAY_LIMITS: Readonly<GatewayLimits> = {
  frameBytes: 32 * KB,
  messageBytes: 128 * KB,
  idleTimeoutMs: 10 * 60 * 1000,
  maxConnectionMs: 2 * 60 * 60 * 1000,
  integrationTimeoutMs: 29_000,
  connectPerSecond: 500,
  connectBurst: 500,
};

export interface GatewayOptions extends Partial<GatewayLimits> {
  host: string;
  port: number;
  stage: string;
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
  lifetime: NodeJS.Timeout | undefined;
  /** Closed by the gateway for an oversize frame: what the client sent after it reaches no handler. */
  refused: boolean;
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

/**
 * Reads the frame headers of what a client sends, before `ws` parses it, to find a frame over the limit as soon
 * as its header arrives (`ws` checks only the size of whole messages). Only headers are read; payloads are skipped.
 */
export class FrameSizeWatch {
  private header: number[] = [];
  private skip = 0;
  private done = false;

  constructor(
    private readonly limit: number,
    private readonly onTooBig: (payloadBytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (!this.done && offset < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      this.header.push(chunk[offset++] as number);
      const second = this.header[1];
      if (second === undefined) continue;
      const len7 = second & 0x7f;
      const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      const needed = 2 + extended + (second & 0x80 ? 4 : 0);
      if (this.header.length < needed) continue;
      const bytes = Buffer.from(this.header);
      const length =
        extended === 2
          ? bytes.readUInt16BE(2)
          : extended === 8
            ? bytes.readUInt32BE(2) * 2 ** 32 + bytes.readUInt32BE(6)
            : len7;
      this.header = [];
      if (length > this.limit) {
        this.done = true;
        this.onTooBig(length);
        return;
      }
      this.skip = length;
    }
  }
}

/** One message out, as API Gateway sends it: frames of at most `frameBytes`, continuation frames after the first. */
export function sendMessage(socket: WebSocket, text: string, frameBytes: number): Promise<void> {
  const body = Buffer.from(text, 'utf8');
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body.length <= frameBytes) {
      socket.send(body, { binary: false, fin: true }, done);
      return;
    }
    // All fragments are queued synchronously, so two messages never interleave their frames.
    for (let start = 0; start < body.length; start += frameBytes) {
      const fin = start + frameBytes >= body.length;
      socket.send(body.subarray(start, start + frameBytes), { binary: false, fin }, fin ? done : undefined);
    }
  });
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const limits: GatewayLimits = { ...GATEWAY_LIMITS };
  for (const key of Object.keys(GATEWAY_LIMITS) as (keyof GatewayLimits)[]) {
    const value = options[key];
    if (value !== undefined) limits[key] = value;
  }
  const live = new Map<string, Live>();
  // The $connect bucket: full at the start, refilled continuously.
  let tokens = limits.connectBurst;
  let refilledAt = Date.now();
  const takeConnectToken = (): boolean => {
    const now = Date.now();
    tokens = Math.min(limits.connectBurst, tokens + ((now - refilledAt) / 1000) * limits.connectPerSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
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
    conn.idle = setTimeout(() => conn.socket.close(1001, 'Going away'), limits.idleTimeoutMs);
    conn.idle.unref();
    live.set(connectionId, conn);
  };

  // maxPayload bounds whole messages (joined fragments too): ws closes with 1009 beyond it.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.messageBytes,
    perMessageDeflate: false,
  });
  const server: Server = createServer((req, res) => {
    handleManagement(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  server.on('upgrade', async (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (!takeConnectToken()) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
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
    wss.handleUpgrade(req, socket, head, (ws) => {
      const accepted = accept(ws, connectionId, conn);
      // Listening before ws does (which parses and emits synchronously); the bytes ws put back (head) pass here too.
      const watch = new FrameSizeWatch(limits.frameBytes, () => {
        accepted.refused = true;
        ws.close(1009, 'Message too big');
      });
      socket.prependListener('data', (chunk: Buffer) => watch.push(chunk));
    });
  });

  const accept = (
    socket: WebSocket,
    connectionId: string,
    info: Omit<Live, 'socket' | 'lastActiveAt' | 'idle' | 'lifetime' | 'refused'>,
  ): Live => {
    const conn: Live = {
      ...info,
      socket,
      lastActiveAt: Date.now(),
      idle: undefined,
      lifetime: undefined,
      refused: false,
    };
    touch(connectionId, conn);
    conn.lifetime = setTimeout(() => socket.close(1001, 'Going away'), limits.maxConnectionMs);
    conn.lifetime.unref();
    socket.on('message', async (data: RawData, isBinary: boolean) => {
      if (conn.refused) return;
      touch(connectionId, conn);
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const requestId = randomUUID();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), limits.integrationTimeoutMs);
      });
      // The handler runs on (as a Lambda would) and its late answer is dropped; the client gets the timeout message.
      const handled = invoke('$default', {
        body: isBinary ? buffer.toString('base64') : buffer.toString('utf8'),
        isBase64Encoded: isBinary,
        requestContext: {
          ...requestContext(connectionId, conn),
          requestId,
          routeKey: '$default',
          eventType: 'MESSAGE',
          messageId: randomBytes(8).toString('base64url'),
          messageDirection: 'IN',
        },
      });
      const result = await Promise.race([handled, timedOut]);
      clearTimeout(timer);
      if (socket.readyState !== WebSocket.OPEN) return;
      const answer = (text: string) => sendMessage(socket, text, limits.frameBytes).catch(() => undefined);
      if (result === 'timeout') {
        await answer(JSON.stringify({ message: 'Endpoint request timed out', connectionId, requestId }));
      } else if (result instanceof Error) {
        await answer(JSON.stringify({ message: 'Internal server error', connectionId, requestId }));
      } else if (typeof result === 'string') {
        await answer(result);
      } else if (result?.body !== undefined) {
        await answer(result.body);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', async (code: number, reason: Buffer) => {
      if (conn.idle) clearTimeout(conn.idle);
      if (conn.lifetime) clearTimeout(conn.lifetime);
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
    return conn;
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
      if (body.length > limits.messageBytes) {
        res.writeHead(413, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'PayloadTooLargeException',
        });
        res.end('{"message":"Message too long"}');
        return;
      }
      await sendMessage(conn.socket, body.toString('utf8'), limits.frameBytes);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          // The wire's names (the SDK maps them to ConnectedAt, Identity and LastActiveAt), ISO 8601 times.
          connectedAt: new Date(conn.connectedAt).toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
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
