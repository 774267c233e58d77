import { describe, expect, it } from 'vitest';
import { useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

const UNKNOWN = { status: 'ERROR', data: 'request tidak dikenali', reason: 'unknown_request' };

describe('the wire', () => {
  it('ends every answer with CR LF CR LF after one JSON object', async () => {
    const c = await env.connect();
    await c.request('PING');
    expect(c.raw[0]).toBe('{"status":"OK","data":"pong"}\r\n\r\n');
  });

  it.each([
    ['HELLO'],
    [''],
    ['   '],
    ['\r\n'],
    ['SENDX a b'],
    ['{"action":"sendmessage"}'],
    ['__proto__'],
    ['constructor x'],
  ])('answers %j as an unknown request', async (frame) => {
    const c = await env.connect();
    expect(await c.request(frame)).toEqual(UNKNOWN);
  });

  it('ignores surrounding white space and the case of the request word', async () => {
    const c = await env.connect();
    expect(await c.request('  \r\n\tpInG \r\n')).toEqual({ status: 'OK', data: 'pong' });
  });

  it('answers a known request with the wrong parameters with its own failure string', async () => {
    const c = await env.connect();
    expect(await c.request('PING now')).toEqual({
      status: 'ERROR',
      data: 'ping gagal',
      reason: 'bad_request',
    });
    expect(await c.request('LOGOUT me')).toEqual({
      status: 'ERROR',
      data: 'logout gagal',
      reason: 'bad_request',
    });
    expect(await c.request('SEND_GROUP')).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'bad_request',
    });
  });

  it('separates only with spaces: a tab joins two tokens after the word as between parameters', async () => {
    const c = await env.connect();
    expect(await c.request('PING\tnow')).toEqual(UNKNOWN);
    expect(await c.request('SEND\tbob hello')).toEqual(UNKNOWN);
    const badSend = { status: 'ERROR', data: 'pesan tidak terkirim', reason: 'bad_request' };
    expect(await c.request('SEND bob\thello')).toEqual(badSend);
    expect(await c.request('SEND \tbob hello')).toEqual(badSend);
  });

  it('reads a binary frame as UTF-8 text', async () => {
    const c = await env.connect();
    expect(await c.request(Buffer.from('ping', 'utf8'), true)).toEqual({ status: 'OK', data: 'pong' });
  });

  it('survives frames of invalid UTF-8 and NUL bytes with a protocol answer', async () => {
    const c = await env.connect();
    expect(await c.request(Buffer.from([0xff, 0xfe, 0x00, 0x41]), true)).toEqual(UNKNOWN);
    expect(await c.request('SEND a\u0000b hi')).toMatchObject({ status: 'ERROR', reason: 'bad_request' });
    expect(await c.request('PING')).toEqual({ status: 'OK', data: 'pong' });
  });

  // API Gateway's frame limit is 32 KB and its message limit 128 KB; browsers and `ws` send a message as one frame.
  it('closes a connection that sends a 40,000-byte frame with code 1009', async () => {
    const c = await env.connect();
    c.socket.send(`SEND someone ${'x'.repeat(40_000 - 'SEND someone '.length)}`);
    expect(await c.closed()).toBe(1009);
  });

  it('answers a 30,000-byte frame', async () => {
    const { client } = await env.user('frame');
    const line = `SEND nobody_${Date.now()} ${'x'.repeat(30_000 - 'SEND nobody_0000000000000 '.length)}`;
    expect(Buffer.byteLength(line)).toBe(30_000);
    expect(await client.request(line)).toMatchObject({ status: 'ERROR', data: 'pesan tidak terkirim' });
    expect(await client.request('PING')).toEqual({ status: 'OK', data: 'pong' });
  });

  it('closes with 1009 a message over 128 KB sent in fragments of at most 32 KB', async () => {
    const c = await env.connect();
    const fragment = 'y'.repeat(32 * 1024);
    for (let i = 0; i < 4; i++) c.socket.send(fragment, { fin: false });
    c.socket.send('y'.repeat(1024), { fin: true });
    expect(await c.closed()).toBe(1009);
  });

  it('never answers with an API Gateway internal error for hostile input', async () => {
    const { client } = await env.user('fuzz');
    const frames = [
      'SEND',
      'SEND  ',
      'AUTH a',
      'REGISTER a b c',
      'GROUP_JOIN',
      'GROUP_JOIN ../../etc',
      'SEND_FILE',
      'INBOX x',
    ];
    for (const frame of frames) {
      const answer = await client.request(frame);
      expect(answer.status).toBe('ERROR');
      expect(answer).not.toHaveProperty('message');
      expect(JSON.stringify(answer)).not.toMatch(/at .*\.ts:\d+|Error:/);
    }
  });
});
