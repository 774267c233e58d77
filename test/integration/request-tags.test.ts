/**
 * Request tags over real WebSockets (docs/PROTOCOL.md, *Request tags*): requests pipelined on one connection are
 * answered in whatever order they finish, and each answer carries its request's tag; frames without a tag answer
 * exactly as before. The protocol client (client/) pipelines with tags and hands each caller its own answer.
 */
import { describe, expect, it } from 'vitest';
import { ObrolClient } from '../../client/index.js';
import type { Frame } from '../support/client.js';
import { PASSWORD, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

type Page = { status: string; data: { id: string; message?: string }[] };

describe('pipelined tagged requests', () => {
  it('match each answer to its request by tag, whatever order they come in', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    // A conversation long enough that a HISTORY page is real work.
    for (let i = 0; i < 20; i++) await alice.client.request(`SEND ${bob.name} ${'x'.repeat(2000)} ${i}`);
    const requests: Record<string, string> = {
      h1: `HISTORY ${bob.name}`,
      s1: `SEND ${bob.name} satu #s2 bukan tag`,
      p: 'PING',
      h2: `HISTORY ${bob.name}`,
      s2: `SEND ${bob.name} dua`,
      bad: 'SEND',
      u: 'FOO bar',
    };
    const answers = await alice.client.burst(
      Object.entries(requests).map(([tag, line]) => `#${tag} ${line}`),
    );
    const byTag = new Map<string, Frame>();
    for (const answer of answers) {
      expect(typeof answer.tag).toBe('string');
      expect(byTag.has(answer.tag as string)).toBe(false);
      byTag.set(answer.tag as string, answer);
    }
    expect([...byTag.keys()].sort()).toEqual(Object.keys(requests).sort());
    for (const tag of ['h1', 'h2']) {
      const page = byTag.get(tag) as unknown as Page;
      expect(page.status).toBe('OK');
      expect(Array.isArray(page.data)).toBe(true);
    }
    expect(byTag.get('p')).toEqual({ status: 'OK', data: 'pong', tag: 'p' });
    expect(byTag.get('bad')).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'bad_request',
      tag: 'bad',
    });
    expect(byTag.get('u')).toEqual({
      status: 'ERROR',
      data: 'request tidak dikenali',
      reason: 'unknown_request',
      tag: 'u',
    });
    // Each SEND's answer holds the id of its own message: the stored text under that id is the one it sent.
    const stored = ((await alice.client.request(`HISTORY ${bob.name}`)) as unknown as Page).data;
    const textOf = (tag: string) => stored.find((m) => m.id === byTag.get(tag)?.id)?.message;
    expect(textOf('s1')).toBe('satu #s2 bukan tag');
    expect(textOf('s2')).toBe('dua');
  });

  it('answers seed-form frames byte for byte as before, beside tagged ones', async () => {
    const c = await env.connect();
    const answers = await c.burst(['PING', '#t1 PING', 'SEND bob', '#t2 SEND bob']);
    const raw = c.raw.slice(-4).sort();
    expect(raw).toEqual(
      [
        '{"status":"OK","data":"pong"}\r\n\r\n',
        '{"status":"OK","data":"pong","tag":"t1"}\r\n\r\n',
        '{"status":"ERROR","data":"pesan tidak terkirim","reason":"bad_request"}\r\n\r\n',
        '{"status":"ERROR","data":"pesan tidak terkirim","reason":"bad_request","tag":"t2"}\r\n\r\n',
      ].sort(),
    );
    expect(answers).toHaveLength(4);
    // Not a tag: read as it stands.
    expect(await c.request('#a.b PING')).toEqual({
      status: 'ERROR',
      data: 'request tidak dikenali',
      reason: 'unknown_request',
    });
  });

  it('the protocol client keeps a HISTORY and a SEND in flight together and gives each caller its own answer', async () => {
    const bob = await env.user('bob');
    const client = new ObrolClient(env.url).open();
    try {
      const name = `${bob.name}x`;
      expect((await client.request(`REGISTER ${name} ${PASSWORD} ID Pipe Liner`)).status).toBe('OK');
      expect((await client.login(name, PASSWORD)).status).toBe('OK');
      const [page, sent, pong] = await Promise.all([
        client.request(`HISTORY ${bob.name}`),
        client.request(`SEND ${bob.name} halo`),
        client.request('PING'),
      ]);
      expect(page).toEqual({ status: 'OK', data: [] });
      expect(sent).toMatchObject({ status: 'OK', data: 'pesan terkirim' });
      expect(sent).not.toHaveProperty('tag');
      expect(pong).toEqual({ status: 'OK', data: 'pong' });
      const push = await bob.client.nextPush((p) => p.event === 'MESSAGE');
      expect(push).toMatchObject({ id: sent.id, message: 'halo' });
      expect(push).not.toHaveProperty('tag');
    } finally {
      client.close();
    }
  });
});
