/** The local gateway itself, with stand-in handlers: API Gateway's behaviours that obrol relies on. */
import { ApiGatewayManagementApiClient, GetConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  FrameSizeWatch,
  GATEWAY_LIMITS,
  type Gateway,
  type GatewayLimits,
  type Routes,
  startGateway,
} from '../../local/gateway.js';
import { ChatClient } from '../support/client.js';
import { OP_CONTINUATION, OP_TEXT, RawSocket } from '../support/raw-socket.js';

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: events are API Gateway's shapes.
const events: any[] = [];
function start(routes: Partial<Routes>, idleTimeoutMs = 60_000, limits: Partial<GatewayLimits> = {}) {
  events.length = 0;
  const record =
    (fallback: Routes[keyof Routes]) =>
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    async (event: any) => {
      events.push(event);
      return fallback(event);
    };
  return startGateway({
    host: '127.0.0.1',
    port: 0,
    stage: 'test',
    idleTimeoutMs,
    ...limits,
    routes: async () => ({
      $connect: record(routes.$connect ?? (async () => ({ statusCode: 200 }))),
      $disconnect: record(routes.$disconnect ?? (async () => ({ statusCode: 200 }))),
      $default: record(routes.$default ?? (async (e) => ({ statusCode: 200, body: `echo:${e.body}` }))),
    }),
  });
}

describe('local gateway', () => {
  it('hands handlers API Gateway event shapes and sends the route response back', async () => {
    gateway = await start({});
    const client = await ChatClient.connect(gateway.url);
    client.socket.send('hello');
    expect(await client.until(() => client.raw[0], 'the echo')).toBe('echo:hello');
    const [connect, message] = events;
    expect(connect.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      stage: 'test',
    });
    expect(message.requestContext).toMatchObject({
      routeKey: '$default',
      eventType: 'MESSAGE',
      connectionId: connect.requestContext.connectionId,
      domainName: gateway.url.replace('ws://', ''),
      identity: { sourceIp: '127.0.0.1' },
    });
    expect(message.requestContext.messageId).toEqual(expect.any(String));
    expect(message.isBase64Encoded).toBe(false);
    await client.close();
  });

  it('answers a throwing handler as API Gateway does, and keeps the connection', async () => {
    gateway = await start({
      $default: async (e) => {
        if (e.body === 'boom') throw new Error('secret detail');
        return { statusCode: 200, body: 'fine' };
      },
    });
    const client = await ChatClient.connect(gateway.url);
    const first = await client.request('boom');
    expect(first).toMatchObject({
      unterminated: expect.stringContaining('"message":"Internal server error"'),
    });
    expect(JSON.stringify(first)).not.toContain('secret detail');
    expect(await client.request('again')).toEqual({ unterminated: 'fine' });
    await client.close();
  });

  it('refuses the handshake when $connect does', async () => {
    gateway = await start({ $connect: async () => ({ statusCode: 403 }) });
    await expect(ChatClient.connect(gateway.url)).rejects.toThrow(/403/);
  });

  it('serves the @connections API: POST, GET, DELETE, and 410 for unknown ids', async () => {
    gateway = await start({});
    const client = await ChatClient.connect(gateway.url);
    const id = events[0].requestContext.connectionId as string;
    const at = (cid: string) => `${gateway?.callbackUrl}/@connections/${encodeURIComponent(cid)}`;

    expect((await fetch(at(id), { method: 'POST', body: 'pushed' })).status).toBe(200);
    // GET as the SDK reads it: the wire's names are connectedAt, identity, lastActiveAt.
    const api = new ApiGatewayManagementApiClient({
      endpoint: gateway.callbackUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const info = await api.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info.Identity?.SourceIp).toBe('127.0.0.1');
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt?.getTime() ?? Number.NaN);
    const gone = await fetch(at('nope='), { method: 'POST', body: 'x' });
    expect(gone.status).toBe(410);
    expect(gone.headers.get('x-amzn-errortype')).toBe('GoneException');
    expect((await fetch(at(id), { method: 'DELETE' })).status).toBe(204);
    expect(await client.closed()).toBe(1000);
    expect(client.raw).toContain('pushed');
    await vi.waitFor(() =>
      expect(events.at(-1).requestContext).toMatchObject({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
      }),
    );
  });

  it('closes idle connections', async () => {
    gateway = await start({}, 200);
    const client = await ChatClient.connect(gateway.url);
    expect(await client.closed()).toBe(1001);
  });

  it('has API Gateway WebSocket quotas as its defaults', () => {
    expect(GATEWAY_LIMITS).toEqual({
      frameBytes: 32_768,
      messageBytes: 131_072,
      idleTimeoutMs: 600_000,
      maxConnectionMs: 7_200_000,
      integrationTimeoutMs: 29_000,
      connectPerSecond: 500,
      connectBurst: 500,
    });
  });

  it('closes a connection whose client sends a frame over 32 KB with 1009, before any handler sees it', async () => {
    gateway = await start({});
    const raw = await RawSocket.open(gateway.url);
    raw.sendFrame('x'.repeat(32 * 1024 + 1));
    expect(await raw.closed()).toBe(1009);
    expect(events.filter((e) => e.requestContext.eventType === 'MESSAGE')).toEqual([]);
    raw.end();
  });

  it('takes a frame of exactly 32 KB, and a 128 KB message in 32 KB fragments', async () => {
    gateway = await start({ $default: async (e) => ({ statusCode: 200, body: `got ${e.body.length}` }) });
    const raw = await RawSocket.open(gateway.url);
    raw.sendFrame('a'.repeat(32 * 1024));
    expect(await raw.until(() => raw.messages()[0], 'the answer')).toBe(`got ${32 * 1024}`);
    for (let i = 0; i < 4; i++)
      raw.sendFrame('b'.repeat(32 * 1024), { opcode: i === 0 ? OP_TEXT : OP_CONTINUATION, fin: i === 3 });
    expect(await raw.until(() => raw.messages()[1], 'the second answer')).toBe(`got ${128 * 1024}`);
    raw.end();
  });

  it('closes with 1009 a message over 128 KB even when every fragment is within 32 KB', async () => {
    gateway = await start({});
    const raw = await RawSocket.open(gateway.url);
    for (let i = 0; i < 5; i++)
      raw.sendFrame('c'.repeat(i === 4 ? 1 : 32 * 1024), {
        opcode: i === 0 ? OP_TEXT : OP_CONTINUATION,
        fin: i === 4,
      });
    expect(await raw.closed()).toBe(1009);
    expect(events.filter((e) => e.requestContext.eventType === 'MESSAGE')).toEqual([]);
    raw.end();
  });

  it('sends pushes and answers over 32 KB as frames of at most 32 KB, joined by continuation frames', async () => {
    const big = `${'é'.repeat(40_000)}!`;
    gateway = await start({ $default: async () => ({ statusCode: 200, body: big }) });
    const raw = await RawSocket.open(gateway.url);
    const id = events[0].requestContext.connectionId as string;
    const pushed = await fetch(`${gateway.callbackUrl}/@connections/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: big,
    });
    expect(pushed.status).toBe(200);
    raw.sendFrame('answer me');
    const messages = await raw.until(() => (raw.messages().length >= 2 ? raw.messages() : undefined), 'both');
    expect(messages).toEqual([big, big]);
    const data = raw.frames.filter((f) => f.opcode === OP_TEXT || f.opcode === OP_CONTINUATION);
    expect(data.length).toBeGreaterThanOrEqual(6); // 80,001 bytes twice: 3 frames each
    for (const frame of data) expect(frame.payload.length).toBeLessThanOrEqual(32 * 1024);
    expect(data.map((f) => [f.opcode, f.fin])).toEqual([
      [OP_TEXT, false],
      [OP_CONTINUATION, false],
      [OP_CONTINUATION, true],
      [OP_TEXT, false],
      [OP_CONTINUATION, false],
      [OP_CONTINUATION, true],
    ]);
    raw.end();
  });

  it('refuses a push over 128 KB as the @connections API does (413), and sends nothing', async () => {
    gateway = await start({});
    const raw = await RawSocket.open(gateway.url);
    const id = events[0].requestContext.connectionId as string;
    const at = `${gateway.callbackUrl}/@connections/${encodeURIComponent(id)}`;
    const refused = await fetch(at, { method: 'POST', body: 'x'.repeat(128 * 1024 + 1) });
    expect(refused.status).toBe(413);
    expect((await fetch(at, { method: 'POST', body: 'after' })).status).toBe(200);
    expect(await raw.until(() => raw.messages()[0], 'the small push')).toBe('after');
    raw.end();
  });

  it('closes every connection after the connection lifetime, busy or not (1001)', async () => {
    gateway = await start({}, 60_000, { maxConnectionMs: 300 });
    const client = await ChatClient.connect(gateway.url);
    const busy = setInterval(() => client.socket.send('still here'), 50);
    try {
      expect(await client.closed()).toBe(1001);
    } finally {
      clearInterval(busy);
    }
    await vi.waitFor(() =>
      expect(events.at(-1).requestContext).toMatchObject({
        eventType: 'DISCONNECT',
        disconnectStatusCode: 1001,
      }),
    );
  });

  it('keeps a connection that talks open past the idle timeout', async () => {
    // Twelve messages 150 ms apart outlive a 1 s idle timeout; then silence lets it close.
    gateway = await start({}, 1000);
    const client = await ChatClient.connect(gateway.url);
    for (let i = 0; i < 12; i++) {
      client.socket.send('ping');
      await client.until(() => (client.raw.length > i ? true : undefined), `echo ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(client.closeCode).toBeUndefined();
    expect(await client.closed()).toBe(1001);
  });

  it("answers a handler slower than the integration timeout with API Gateway's timeout message, and drops its late answer", async () => {
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    gateway = await start(
      {
        $default: async (e) => {
          if (e.body === 'slow') await finished;
          return { statusCode: 200, body: `done ${e.body}` };
        },
      },
      60_000,
      { integrationTimeoutMs: 1000 },
    );
    const client = await ChatClient.connect(gateway.url);
    const answer = await client.request('slow');
    const message = JSON.parse(String(answer.unterminated));
    const slow = events.find((e) => e.body === 'slow');
    expect(message).toEqual({
      message: 'Endpoint request timed out',
      connectionId: slow.requestContext.connectionId,
      requestId: slow.requestContext.requestId,
    });
    finish();
    expect(await client.request('quick')).toEqual({ unterminated: 'done quick' });
    expect(client.raw).not.toContain('done slow');
    await client.close();
  });

  it('refuses new connections over the $connect rate with 429, before the $connect handler runs', async () => {
    gateway = await start({}, 60_000, { connectPerSecond: 0.001, connectBurst: 2 });
    const first = await ChatClient.connect(gateway.url);
    const second = await ChatClient.connect(gateway.url);
    await expect(RawSocket.open(gateway.url)).rejects.toThrow(/429/);
    expect(events.filter((e) => e.requestContext.eventType === 'CONNECT')).toHaveLength(2);
    await first.close();
    await second.close();
  });

  it('refills the $connect bucket over time', async () => {
    gateway = await start({}, 60_000, { connectPerSecond: 2, connectBurst: 1 });
    const first = await ChatClient.connect(gateway.url);
    await expect(RawSocket.open(gateway.url)).rejects.toThrow(/429/);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const later = await ChatClient.connect(gateway.url);
    await first.close();
    await later.close();
  });
});

describe('local gateway under concurrency', () => {
  it('never interleaves the frames of concurrent pushes: each arrives whole, in frames within the limit', async () => {
    // A small frame limit so that short pushes are split too; the property is about any interleaving of posts.
    gateway = await start({}, 60_000, { frameBytes: 16 });
    const url = gateway.callbackUrl;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme' }), {
          minLength: 1,
          maxLength: 12,
        }),
        async (bodies) => {
          const raw = await RawSocket.open(gateway?.url ?? '');
          try {
            const id = events.at(-1).requestContext.connectionId as string;
            const statuses = await Promise.all(
              bodies.map(
                async (body) =>
                  (await fetch(`${url}/@connections/${encodeURIComponent(id)}`, { method: 'POST', body }))
                    .status,
              ),
            );
            expect(statuses.every((s) => s === 200)).toBe(true);
            const messages = await raw.until(
              () => (raw.messages().length >= bodies.length ? raw.messages() : undefined),
              'every push',
            );
            expect([...messages].sort()).toEqual([...bodies].sort());
            let inMessage = false;
            for (const frame of raw.frames) {
              expect(frame.payload.length).toBeLessThanOrEqual(16);
              // A new message starts only after the previous one's last frame; continuations only inside one.
              expect(frame.opcode).toBe(inMessage ? OP_CONTINUATION : OP_TEXT);
              inMessage = !frame.fin;
            }
          } finally {
            raw.end();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('lets exactly the burst through when many connect at once', async () => {
    gateway = await start({}, 60_000, { connectPerSecond: 0.001, connectBurst: 3 });
    const url = gateway.url;
    const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => RawSocket.open(url)));
    const opened = attempts.filter((a) => a.status === 'fulfilled');
    expect(opened).toHaveLength(3);
    for (const a of attempts) {
      if (a.status === 'fulfilled') a.value.end();
      else expect(String(a.reason)).toMatch(/429/);
    }
  });
});

describe('FrameSizeWatch', () => {
  const header = (len: number) => {
    if (len < 126) return Buffer.from([0x81, 0x80 | len, 1, 2, 3, 4]);
    if (len < 65_536) {
      const b = Buffer.from([0x81, 0x80 | 126, 0, 0, 1, 2, 3, 4]);
      b.writeUInt16BE(len, 2);
      return b;
    }
    const b = Buffer.alloc(14);
    b[0] = 0x81;
    b[1] = 0x80 | 127;
    b.writeBigUInt64BE(BigInt(len), 2);
    return b;
  };

  it('finds the first frame over the limit whatever the chunking, and only it', () => {
    for (const [sizes, expected] of [
      [[10, 100, 0, 50], []],
      [[10, 125, 126, 100], [125]],
      [[10, 101, 5], [101]],
      [[70_000], [70_000]],
      [[100, 100, 200], [200]],
    ] as const) {
      const stream = Buffer.concat(sizes.map((n) => Buffer.concat([header(n), Buffer.alloc(n)])));
      for (const chunk of [1, 3, 7, stream.length]) {
        const seen: number[] = [];
        const watch = new FrameSizeWatch(100, (n) => seen.push(n));
        for (let i = 0; i < stream.length; i += chunk) watch.push(stream.subarray(i, i + chunk));
        expect(seen).toEqual(expected);
      }
    }
  });
});
