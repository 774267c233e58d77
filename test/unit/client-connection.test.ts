import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Answer,
  ClientClosedError,
  FrameTooLargeError,
  LostRequestError,
  lastMessages,
  MAX_IN_FLIGHT,
  ObrolClient,
  type Push,
  REQUEST_TAG_BYTES,
  type StateChange,
  sentMessageVerifier,
} from '../../client/index.js';
import { FakeSocket, fakeSockets } from './fake-socket.js';

const clients: ObrolClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function makeClient(pingIntervalMs = 60_000) {
  const client = new ObrolClient('ws://server', {
    createSocket: fakeSockets(),
    pingIntervalMs,
    backoff: { baseMs: 1, maxMs: 5 },
  });
  clients.push(client);
  const pushes: Push[] = [];
  const states: StateChange[] = [];
  client.on('push', (p) => pushes.push(p));
  client.on('state', (s) => states.push(s));
  client.open();
  return { client, pushes, states };
}

/** Lets promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Waits for the reconnect to make a new socket, accepts it, and returns it. */
async function reconnected(previous: FakeSocket): Promise<FakeSocket> {
  await vi.waitFor(() => expect(FakeSocket.latest()).not.toBe(previous));
  const socket = FakeSocket.latest();
  socket.accept();
  return socket;
}

async function loggedIn() {
  const made = makeClient();
  const socket = FakeSocket.latest();
  socket.accept();
  const login = made.client.login('bob', 'rahasia123');
  await settle();
  socket.answer('OK', 'autentikasi berhasil');
  expect((await login).status).toBe('OK');
  return { ...made, socket };
}

describe('ObrolClient requests', () => {
  it('sends requests in order without waiting, each with its own tag, and matches answers by tag', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    const first = client.request('HISTORY alice');
    const second = client.request('SEND alice halo');
    await settle();
    expect(socket.sent).toEqual([]); // not open yet: requests wait
    socket.accept();
    expect(socket.sent).toEqual(['HISTORY alice', 'SEND alice halo']);
    const tags = socket.frames.map((frame) => /^#([A-Za-z0-9_-]{1,32}) /.exec(frame)?.[1]);
    expect(new Set(tags).size).toBe(2);
    socket.deliver('{"event":"MESSAGE","id":"p1","from":"a","to":"b","message":"m","sentAt":"t"}\r\n\r\n');
    // Answered out of order: the SEND first.
    socket.answerTo('SEND alice halo', 'OK', 'pesan terkirim', { id: 'm1' });
    expect(await second).toEqual({ status: 'OK', data: 'pesan terkirim', id: 'm1' });
    socket.answerTo('HISTORY alice', 'OK', []);
    expect(await first).toEqual({ status: 'OK', data: [] }); // the tag is the client's business, not the caller's
  });

  it('sends AUTH, LOGOUT and DELETE_ACCOUNT alone: after every earlier answer, before any later request', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const ping = client.request('PING');
    const login = client.login('bob', 'rahasia123');
    const groups = client.request('GROUPS');
    await settle();
    expect(socket.sent).toEqual(['PING']);
    socket.answer('OK', 'pong');
    await ping;
    expect(socket.sent).toEqual(['PING', 'AUTH bob rahasia123']);
    socket.answer('OK', 'autentikasi berhasil');
    await login;
    expect(socket.sent).toEqual(['PING', 'AUTH bob rahasia123', 'GROUPS']);
    socket.answer('OK', []);
    await groups;
    const a = client.request('PING');
    const b = client.request('DELETE_ACCOUNT rahasia123');
    await settle();
    expect(socket.sent.slice(3)).toEqual(['PING']);
    socket.answer('OK', 'pong');
    await a;
    expect(socket.sent.slice(3)).toEqual(['PING', 'DELETE_ACCOUNT rahasia123']);
    socket.answer('OK', 'akun dihapus');
    await b;
  });

  it('sends a request that acts only after the one before it that acts is answered; reads go beside them', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const first = client.request('SEND alice satu');
    const second = client.request('SEND_GROUP kantor dua');
    await settle();
    const history = client.request('HISTORY alice');
    await settle();
    // The second send waits (messages are stored in the order sent); the read behind it waits its turn in the queue.
    expect(socket.sent).toEqual(['SEND alice satu']);
    socket.answer('OK', 'pesan terkirim', { id: '1' });
    await first;
    expect(socket.sent).toEqual(['SEND alice satu', 'SEND_GROUP kantor dua', 'HISTORY alice']);
    socket.answerTo('HISTORY alice', 'OK', []);
    expect(await history).toEqual({ status: 'OK', data: [] });
    socket.answer('OK', 'pesan terkirim', { id: '2' });
    expect((await second).id).toBe('2');
    // A read first, a send behind it: the send does not wait for the read.
    const page = client.request('GROUP_HISTORY kantor');
    const send = client.request('SEND alice tiga');
    await settle();
    expect(socket.sent.slice(3)).toEqual(['GROUP_HISTORY kantor', 'SEND alice tiga']);
    socket.answerTo('SEND alice tiga', 'OK', 'pesan terkirim', { id: '3' });
    expect((await send).id).toBe('3');
    socket.answer('OK', []);
    await page;
  });

  it('keeps at most MAX_IN_FLIGHT requests in flight; the rest wait their turn', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const all = Array.from({ length: MAX_IN_FLIGHT + 2 }, (_, i) => client.request(`HISTORY u${i}`));
    await settle();
    expect(socket.sent).toHaveLength(MAX_IN_FLIGHT);
    socket.answerTo('HISTORY u3', 'OK', ['three']);
    expect(socket.sent).toHaveLength(MAX_IN_FLIGHT + 1);
    expect(socket.sent.at(-1)).toBe(`HISTORY u${MAX_IN_FLIGHT}`);
    while (socket.unanswered.length > 0) socket.answer('OK', []);
    const answers = await Promise.all(all);
    expect(answers[3]).toEqual({ status: 'OK', data: ['three'] });
    expect(socket.sent).toHaveLength(MAX_IN_FLIGHT + 2);
  });

  it("takes an answer without a tag (API Gateway's own failure frame) as the oldest request's", async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const first = client.request('HISTORY alice');
    const second = client.request('PING');
    await settle();
    socket.deliver('{"message":"Endpoint request timed out"}\r\n\r\n');
    expect(await first).toMatchObject({ status: 'ERROR', reason: 'internal_error' });
    socket.answerTo('PING', 'OK', 'pong');
    expect(await second).toEqual({ status: 'OK', data: 'pong' });
  });

  it('ignores an answer whose tag matches nothing in flight', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const ping = client.request('PING');
    await settle();
    socket.deliver('{"status":"OK","data":"stale","tag":"zz"}\r\n\r\n');
    socket.answer('OK', 'pong');
    expect(await ping).toEqual({ status: 'OK', data: 'pong' });
  });

  it('passes each push on once, unpacking BATCH frames and dropping repeated ids', async () => {
    const { pushes } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const m = (id: string) => ({ event: 'MESSAGE', id, from: 'a', to: 'b', message: id, sentAt: 't' });
    socket.deliver(`${JSON.stringify(m('1'))}\r\n\r\n`);
    socket.deliver(
      `${JSON.stringify({ event: 'BATCH', id: '1', events: [m('1'), m('2'), m('3')] })}\r\n\r\n`,
    );
    socket.deliver(`${JSON.stringify(m('2'))}\r\n\r\n${JSON.stringify(m('4'))}\r\n\r\n`);
    expect(pushes.map((p) => p.id)).toEqual(['1', '2', '3', '4']);
  });

  it('dispatches typed pushes to onPush listeners of that event only', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const groupTexts: string[] = [];
    const off = client.onPush('GROUP_MESSAGE', (push) => groupTexts.push(`${push.group}:${push.message}`));
    socket.deliver(
      '{"event":"MESSAGE","id":"a","from":"x","to":"y","message":"private","sentAt":"t"}\r\n\r\n',
    );
    socket.deliver(
      '{"event":"GROUP_MESSAGE","id":"b","group":"kantor","from":"x","message":"rapat","sentAt":"t"}\r\n\r\n',
    );
    off();
    socket.deliver(
      '{"event":"GROUP_MESSAGE","id":"c","group":"kantor","from":"x","message":"later","sentAt":"t"}\r\n\r\n',
    );
    expect(groupTexts).toEqual(['kantor:rapat']);
  });

  it('sends PING when idle', async () => {
    makeClient(20);
    const socket = FakeSocket.latest();
    socket.accept();
    await vi.waitFor(() => expect(socket.sent).toContain('PING'));
  });

  it('rejects pending requests on close()', async () => {
    const { client } = makeClient();
    const pending = client.request('GROUPS');
    client.close();
    await expect(pending).rejects.toBeInstanceOf(ClientClosedError);
    await expect(client.request('PING')).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe('ObrolClient reconnect', () => {
  it('reconnects with back-off, logs in again first, then sends what waited', async () => {
    const { client, socket, states } = await loggedIn();
    socket.drop();
    const queued = client.request('GROUPS');
    const next = await reconnected(socket);
    expect(next.sent).toEqual(['AUTH bob rahasia123']);
    expect(client.state).toBe('authenticating');
    next.answer('OK', 'autentikasi berhasil');
    expect(next.sent).toEqual(['AUTH bob rahasia123', 'GROUPS']);
    next.answer('OK', []);
    expect((await queued).data).toEqual([]);
    expect(states.map((s) => s.state)).toEqual([
      'connecting',
      'online',
      'offline',
      'connecting',
      'authenticating',
      'online',
    ]);
    expect(states.find((s) => s.state === 'offline')?.attempt).toBe(0);
  });

  it('keeps trying while the server refuses, with growing attempts', async () => {
    const { states } = makeClient();
    FakeSocket.latest().drop();
    await vi.waitFor(() => expect(FakeSocket.made.length).toBeGreaterThanOrEqual(2));
    FakeSocket.latest().drop();
    await vi.waitFor(() => expect(FakeSocket.made.length).toBeGreaterThanOrEqual(3));
    const attempts = states.filter((s) => s.state === 'offline').map((s) => s.attempt);
    expect(attempts.slice(0, 2)).toEqual([0, 1]);
  });

  it('drops a push that arrives again after the reconnect (the same id)', async () => {
    const { socket, pushes } = await loggedIn();
    const push = '{"event":"MESSAGE","id":"dup","from":"a","to":"bob","message":"m","sentAt":"t"}\r\n\r\n';
    socket.deliver(push);
    socket.drop();
    const next = await reconnected(socket);
    next.answer('OK', 'autentikasi berhasil');
    next.deliver(`{"event":"BATCH","id":"dup","events":[${push.trim()}]}\r\n\r\n`);
    expect(pushes.map((p) => p.id)).toEqual(['dup']);
  });

  it('tells the app when the re-login is refused, forgets the credentials and goes on', async () => {
    const { client, socket } = await loggedIn();
    const refused: Answer[] = [];
    client.on('reauthFailed', (a) => refused.push(a));
    socket.drop();
    const next = await reconnected(socket);
    next.answer('ERROR', 'autentikasi gagal', { reason: 'invalid_credentials' });
    expect(refused.map((a) => a.reason)).toEqual(['invalid_credentials']);
    expect(client.user).toBeUndefined();
    expect(client.state).toBe('online');
    next.drop();
    const third = await reconnected(next);
    expect(third.sent).toEqual([]); // no credentials, no AUTH
  });

  it('resends a safe request that was in flight, once, after the re-login', async () => {
    const { client, socket } = await loggedIn();
    const history = client.request('HISTORY alice');
    await settle();
    expect(socket.sent.at(-1)).toBe('HISTORY alice');
    socket.drop();
    const next = await reconnected(socket);
    next.answer('OK', 'autentikasi berhasil');
    expect(next.sent).toEqual(['AUTH bob rahasia123', 'HISTORY alice']);
    next.answer('OK', []);
    expect((await history).data).toEqual([]);
  });

  it('never resends a SEND that was in flight: it fails with LostRequestError and the queue goes on', async () => {
    const { client, socket } = await loggedIn();
    const send = client.request('SEND alice halo');
    const after = client.request('GROUPS');
    await settle();
    socket.drop();
    await expect(send).rejects.toBeInstanceOf(LostRequestError);
    await expect(send).rejects.toMatchObject({ command: 'SEND' });
    const next = await reconnected(socket);
    next.answer('OK', 'autentikasi berhasil');
    next.answer('OK', []);
    expect(await after).toEqual({ status: 'OK', data: [] });
    expect(next.sent).toEqual(['AUTH bob rahasia123', 'GROUPS']);
  });

  it('checks a lost SEND with its verify before anything else, and does not resend it when it landed', async () => {
    const { client, socket } = await loggedIn();
    const since = Date.now();
    const send = client.request('SEND alice halo', {
      verify: sentMessageVerifier('bob', { user: 'alice' }, 'halo', since),
    });
    const after = client.request('GROUPS');
    await settle();
    socket.drop();
    const next = await reconnected(socket);
    next.answer('OK', 'autentikasi berhasil');
    await vi.waitFor(() => expect(next.sent).toEqual(['AUTH bob rahasia123', 'HISTORY alice']));
    const landed = {
      event: 'MESSAGE',
      id: 'x',
      from: 'Bob',
      to: 'alice',
      message: 'halo',
      sentAt: new Date().toISOString(),
    };
    next.answer('OK', [landed]);
    expect(await send).toEqual({ status: 'OK', data: null, recovered: true });
    await vi.waitFor(() => expect(next.sent).toEqual(['AUTH bob rahasia123', 'HISTORY alice', 'GROUPS']));
    next.answer('OK', []);
    await after;
  });

  it('resends a lost SEND once when its verify finds it did not land, before later requests', async () => {
    const { client, socket } = await loggedIn();
    const send = client.request('SEND alice halo', {
      verify: sentMessageVerifier('bob', { user: 'alice' }, 'halo', Date.now()),
    });
    const after = client.request('GROUPS');
    await settle();
    socket.drop();
    const next = await reconnected(socket);
    next.answer('OK', 'autentikasi berhasil');
    await vi.waitFor(() => expect(next.sent.at(-1)).toBe('HISTORY alice'));
    next.answer('OK', []);
    // Both were in flight when the connection dropped: the SEND is sent again first, the GROUPS after it.
    await vi.waitFor(() =>
      expect(next.sent).toEqual(['AUTH bob rahasia123', 'HISTORY alice', 'SEND alice halo', 'GROUPS']),
    );
    next.answerTo('GROUPS', 'OK', []);
    await after;
    next.answerTo('SEND alice halo', 'OK', 'pesan terkirim');
    expect(await send).toEqual({ status: 'OK', data: 'pesan terkirim' });
  });
});

describe('ObrolClient password and account', () => {
  it('logs in again with the new password after PASSWORD succeeded', async () => {
    const { client, socket } = await loggedIn();
    const changed = client.changePassword('rahasia123', 'baru45678');
    await settle();
    expect(socket.sent.at(-1)).toBe('PASSWORD rahasia123 baru45678');
    socket.answer('OK', 'ubah kata sandi berhasil');
    expect((await changed).status).toBe('OK');
    socket.drop();
    const next = await reconnected(socket);
    expect(next.sent).toEqual(['AUTH bob baru45678']);
  });

  it('keeps the old password when PASSWORD is refused, and forgets all after DELETE_ACCOUNT', async () => {
    const { client, socket } = await loggedIn();
    const refused = client.changePassword('salah1234', 'baru45678');
    await settle();
    socket.answer('ERROR', 'ubah kata sandi gagal', { reason: 'invalid_credentials' });
    await refused;
    socket.drop();
    const next = await reconnected(socket);
    expect(next.sent).toEqual(['AUTH bob rahasia123']);
    next.answer('OK', 'autentikasi berhasil');
    await vi.waitFor(() => expect(client.state).toBe('online'));
    const deleted = client.deleteAccount('rahasia123');
    await settle();
    next.answer('OK', 'hapus akun berhasil');
    await deleted;
    expect(client.user).toBeUndefined();
    next.drop();
    const third = await reconnected(next);
    expect(third.sent).toEqual([]);
  });
});

describe('ObrolClient close during a recovery', () => {
  it('rejects the unsure request when the client is closed while its verify runs', async () => {
    const { client, socket } = await loggedIn();
    const send = client.request('SEND alice halo', {
      verify: sentMessageVerifier('bob', { user: 'alice' }, 'halo', Date.now()),
    });
    await settle();
    socket.drop();
    const next = await reconnected(socket);
    next.answer('OK', 'autentikasi berhasil');
    await vi.waitFor(() => expect(next.sent.at(-1)).toBe('HISTORY alice'));
    client.close();
    await expect(send).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe('lastMessages', () => {
  it('follows next until it has n messages, and returns them oldest first', async () => {
    const pages: Record<string, Answer> = {
      'HISTORY bob': { status: 'OK', data: [{ id: '5' }, { id: '4' }], next: '4' },
      'HISTORY bob 4': { status: 'OK', data: [{ id: '3' }, { id: '2' }], next: '2' },
      'HISTORY bob 2': { status: 'OK', data: [{ id: '1' }] },
    };
    const asked: string[] = [];
    const request = async (line: string) => {
      asked.push(line);
      return pages[line] as Answer;
    };
    expect((await lastMessages(request, { user: 'bob' }, 3)).map((p) => p.id)).toEqual(['3', '4', '5']);
    expect(asked).toEqual(['HISTORY bob', 'HISTORY bob 4']);
    expect((await lastMessages(request, { user: 'bob' }, 50)).map((p) => p.id)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
  });
});

describe('ObrolClient limits', () => {
  it("asks HELP once for the server's limits and remembers them", async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const first = client.limits();
    await settle();
    expect(socket.sent).toEqual(['HELP']);
    socket.deliver(
      `${JSON.stringify({ status: 'OK', data: ['PING — jaga koneksi tetap terbuka'], maxFrameBytes: 16_384, maxInlineFileBytes: 9_000 })}\r\n\r\n`,
    );
    expect(await first).toEqual({ maxFrameBytes: 16_384, maxInlineFileBytes: 9_000 });
    expect(await client.limits()).toEqual({ maxFrameBytes: 16_384, maxInlineFileBytes: 9_000 });
    expect(socket.sent).toEqual(['HELP']);
  });

  it('falls back to 32,768 and 24,000 for a server without them', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const old = client.limits();
    await settle();
    socket.answer('OK', ['PING — jaga koneksi tetap terbuka']);
    expect(await old).toEqual({ maxFrameBytes: 32_768, maxInlineFileBytes: 24_000 });
    const remembered = client.limits();
    await settle();
    expect(socket.sent).toEqual(['HELP']); // a server without the fields: remembered as the defaults
    expect(await remembered).toEqual({ maxFrameBytes: 32_768, maxInlineFileBytes: 24_000 });
  });

  it('answers the defaults when HELP fails, and asks again next time', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const failed = client.limits();
    await settle();
    socket.answer('ERROR', 'bantuan gagal', { reason: 'bad_request' });
    expect(await failed).toEqual({ maxFrameBytes: 32_768, maxInlineFileBytes: 24_000 });
    const again = client.limits();
    await settle();
    expect(socket.sent).toEqual(['HELP', 'HELP']);
    socket.deliver(`${JSON.stringify({ status: 'OK', data: [], maxFrameBytes: 20_000 })}\r\n\r\n`);
    expect(await again).toEqual({ maxFrameBytes: 20_000, maxInlineFileBytes: 24_000 });
  });
});

describe('ObrolClient frame limit', () => {
  it('never sends a request over 32,768 bytes of UTF-8: it rejects with FrameTooLargeError, and the connection stays', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    // The frame is the request and its tag: the request may be 32,768 bytes less REQUEST_TAG_BYTES.
    const exact = `SEND bob ${'x'.repeat(32_768 - REQUEST_TAG_BYTES - 'SEND bob '.length)}`;
    const over = `SEND bob ${'é'.repeat(16_375)}`; // 16,384 characters, 32,759 bytes, and the tag's 10
    const refused = client.request(over);
    await expect(refused).rejects.toBeInstanceOf(FrameTooLargeError);
    await expect(refused).rejects.toMatchObject({ bytes: 32_769, maxBytes: 32_768, command: 'SEND' });
    const sent = client.request(exact);
    await settle();
    expect(socket.sent).toEqual([exact]);
    expect(new TextEncoder().encode(socket.frames[0]).length).toBeLessThanOrEqual(32_768);
    socket.answer('ERROR', 'pesan tidak terkirim', { reason: 'too_large' });
    expect((await sent).reason).toBe('too_large');
    expect(client.state).toBe('online');
  });

  it('keeps to a smaller limit the server advertised', async () => {
    const { client } = makeClient();
    const socket = FakeSocket.latest();
    socket.accept();
    const limits = client.limits();
    await settle();
    socket.answer('OK', [], { maxFrameBytes: 100, maxInlineFileBytes: 50 });
    await limits;
    await expect(client.request(`SEND bob ${'x'.repeat(82)}`)).rejects.toMatchObject({
      bytes: 101,
      maxBytes: 100,
    });
    expect(socket.sent).toEqual(['HELP']);
  });
});
