/** The local gateway itself, with stand-in handlers: API Gateway's behaviours that obrol relies on. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Gateway, type Routes, startGateway } from '../../local/gateway.js';
import { ChatClient } from '../support/client.js';

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: events are API Gateway's shapes.
const events: any[] = [];
function start(routes: Partial<Routes>, idleTimeoutMs = 60_000) {
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
    const info = await (await fetch(at(id))).json();
    expect(info).toMatchObject({ Identity: { SourceIp: '127.0.0.1' } });
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
});
