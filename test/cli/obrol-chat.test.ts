/**
 * The terminal client (issue 11), end to end: real `obrol-chat` processes driven through stdin/stdout (and one in a
 * tmux pseudo-terminal) against the local runtime with the real handlers.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { userKeyOf } from '../../shared/protocol/names.js';
import { ChatClient } from '../support/client.js';
import { type Endpoint, PASSWORD, startEndpoint, uniqueName } from '../support/endpoint.js';
import { BIN, ChatProcess, runToEnd } from './chat-process.js';

let endpoint: Endpoint;
let dir: string;
const env = () => ({ OBROL_PASSWORD: PASSWORD, OBROL_URL: endpoint.url });

beforeAll(async () => {
  delete process.env.WS_URL; // the reconnect test reaches into the local runtime
  endpoint = await startEndpoint();
  dir = mkdtempSync(join(tmpdir(), 'obrol-chat-'));
});
afterAll(async () => {
  await endpoint?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh user, registered over the protocol (the client's /register is covered by the script and tmux tests). */
async function registered(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  const client = await ChatClient.connect(endpoint.url);
  expect((await client.request(`REGISTER ${name} ${PASSWORD} ID ${prefix} tester`)).status).toBe('OK');
  await client.close();
  return name;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('obrol-chat', () => {
  it('--script runs every line in order and exits 0 when all succeeded, 1 when one failed, 2 on bad input', async () => {
    const alice = uniqueName('alice');
    const group = uniqueName('g');
    const good = join(dir, 'good.txt');
    writeFileSync(
      good,
      [`/register ${alice} ID Alice A`, `/login ${alice}`, `/create ${group}`, '/groups', ''].join('\n'),
    );
    const ok = await runToEnd(['--script', good], [], { cwd: dir, env: env() });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`logged in as ${alice}`);
    expect(ok.stdout).toContain(`your groups: #${group}`);

    const bad = join(dir, 'bad.txt');
    writeFileSync(
      bad,
      [`/login ${alice}`, `/create ${group}`, `/msg ${uniqueName('nobody')} hi`, '/groups'].join('\n'),
    );
    const failed = await runToEnd(['--script', bad, endpoint.url], [], { cwd: dir, env: env() });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'grup gagal dibuat — a group with that name already exists [group_exists]',
    );
    expect(failed.stderr).toContain('pesan tidak terkirim — no such user [unknown_recipient]');
    expect(failed.stdout).toContain(`your groups: #${group}`); // the lines after a failure still ran

    const missing = await runToEnd(['--script', join(dir, 'no-such-script')], [], { cwd: dir, env: env() });
    expect(missing.code).toBe(2);

    // --wait keeps a finished script listening: a message sent after its last line still prints.
    const listen = join(dir, 'listen.txt');
    writeFileSync(listen, `/login ${alice}\n`);
    const bob = await ChatClient.connect(endpoint.url);
    const bobName = uniqueName('bob');
    expect((await bob.request(`REGISTER ${bobName} ${PASSWORD} ID Bob`)).status).toBe('OK');
    expect((await bob.request(`AUTH ${bobName} ${PASSWORD}`)).status).toBe('OK');
    const waiting = new ChatProcess(['--script', listen, '--wait', '5'], { cwd: dir, env: env() });
    await waiting.waitFor(`logged in as ${alice}`);
    expect((await bob.request(`SEND ${alice} masih dengar?`)).status).toBe('OK');
    await bob.close();
    expect(await waiting.exited).toBe(0);
    expect(waiting.stdout).toContain(`${bobName} → you: masih dengar?`);
    const wrongPassword = await runToEnd([`--script=${good}`], [], {
      cwd: dir,
      env: { ...env(), OBROL_PASSWORD: 'wrong-password-1' },
    });
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stderr).toContain(
      'autentikasi gagal — unknown user or wrong password [invalid_credentials]',
    );
  });

  it('two clients chat privately and in a group, and a 1 MB file goes by upload and arrives byte-identical', async () => {
    const [alice, bob] = await Promise.all([registered('alice'), registered('bob')]);
    const group = uniqueName('kantor');
    const file = randomBytes(1024 * 1024);
    writeFileSync(join(dir, 'laporan.bin'), file);
    const bobDir = join(dir, `bob-${bob}`);

    const a = new ChatProcess([], { cwd: dir, env: env() });
    const b = new ChatProcess(['--downloads', bobDir], { cwd: dir, env: env() });
    try {
      a.send(`/login ${alice}`);
      a.send(`/create ${group}`);
      b.send(`/login ${bob}`);
      await a.waitFor(`group #${group} created`);
      b.send(`/join ${group}`);
      await b.waitFor(`joined #${group}`);

      a.send(`/msg ${bob} halo bob!`);
      await b.waitFor(`${alice} → you: halo bob!`);
      b.send(`/msg ${alice} halo juga`);
      b.send('apa kabar?'); // a plain line goes to the current conversation
      await a.waitFor(`${bob} → you: apa kabar?`);
      expect(a.stdout).toContain(`${bob} → you: halo juga`);

      a.send(`/g ${group} rapat jam 3`);
      await b.waitFor(`#${group} ${alice}: rapat jam 3`);

      a.send(`/file ${bob} laporan.bin`);
      await a.waitFor('uploaded laporan.bin (1.0 MB)');
      await b.waitFor(/sent laporan\.bin \(1\.0 MB\) → saved to (\S+)/);
      const saved = /sent laporan\.bin \(1\.0 MB\) → saved to (\S+)/.exec(b.stdout)?.[1] ?? '';
      expect(saved).toBe(join(bobDir, 'laporan.bin'));
      expect(sha(readFileSync(saved))).toBe(sha(file));
      await a.waitFor(`laporan.bin (1.0 MB) delivered to ${bob}`);

      // A second file of the same name never overwrites the first: it gets a numeric suffix.
      writeFileSync(join(dir, 'laporan.bin'), 'kedua');
      a.send(`/file ${bob} laporan.bin`);
      await b.waitFor(`→ saved to ${join(bobDir, 'laporan-1.bin')}`);
      expect(readdirSync(bobDir).sort()).toEqual(['laporan-1.bin', 'laporan.bin']);
      expect(readFileSync(join(bobDir, 'laporan-1.bin'), 'utf8')).toBe('kedua');
      expect(sha(readFileSync(saved))).toBe(sha(file));

      a.send(`/history ${bob} 3`);
      await a.waitFor(`you sent laporan.bin (1.0 MB)`);

      // 20 KB: its SEND_FILE frame fits in API Gateway's 32 KB, so it goes inline, and arrives byte for byte.
      const twenty = randomBytes(20 * 1024);
      writeFileSync(join(dir, 'duapuluh.bin'), twenty);
      a.send(`/file ${bob} duapuluh.bin`);
      await a.waitFor(`sent duapuluh.bin (20 KB) to ${bob}`);
      await b.waitFor(`→ saved to ${join(bobDir, 'duapuluh.bin')}`);
      expect(sha(readFileSync(join(bobDir, 'duapuluh.bin')))).toBe(sha(twenty));
      expect(a.stdout).not.toContain('uploaded duapuluh.bin');

      // 30 KB: inline its one frame would be over API Gateway's 32 KB (the gateway closes with 1009), so it uploads.
      const thirty = randomBytes(30 * 1024);
      writeFileSync(join(dir, 'tigapuluh.bin'), thirty);
      a.send(`/file ${bob} tigapuluh.bin`);
      await a.waitFor('uploaded tigapuluh.bin (30 KB)');
      await b.waitFor(`→ saved to ${join(bobDir, 'tigapuluh.bin')}`);
      expect(sha(readFileSync(join(bobDir, 'tigapuluh.bin')))).toBe(sha(thirty));
      a.send('/quit');
      b.send('/quit');
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
      expect(a.stderr).toBe('');
      expect(b.stderr).toBe('');
    } finally {
      a.kill();
      b.kill();
    }
  });

  it('reconnects after the service drops the connection, logs in again, and goes on chatting', async () => {
    const [bob, aliceName] = await Promise.all([registered('bob'), registered('alice')]);
    const alice = await ChatClient.connect(endpoint.url);
    expect((await alice.request(`AUTH ${aliceName} ${PASSWORD}`)).status).toBe('OK');
    // Loaded only now: the data layer reads its configuration, which the local runtime has just set.
    const { readAccount } = await import('../../shared/data/users.js');
    const b = new ChatProcess([], { cwd: dir, env: env() });
    try {
      b.send(`/login ${bob}`);
      await b.waitFor(`logged in as ${bob}`);
      const [connection] = (await readAccount(userKeyOf(bob), Date.now())).connections;
      expect(connection).toBeDefined();
      // @connections answers only requests signed with the runtime's key pair, as on AWS.
      const api = new ApiGatewayManagementApiClient({ endpoint: process.env.CALLBACK_URL });
      await api.send(new DeleteConnectionCommand({ ConnectionId: connection?.connectionId }));
      api.destroy();
      await b.waitFor('* connection lost; reconnecting');
      await b.waitFor(`* reconnected, logged in again as ${bob}`);
      await vi.waitFor(async () => {
        const live = (await readAccount(userKeyOf(bob), Date.now())).connections;
        expect(live.map((c) => c.connectionId)).not.toContain(connection?.connectionId);
        expect(live).toHaveLength(1);
      });

      expect((await alice.request(`SEND ${bob} masih di sana?`)).status).toBe('OK');
      await b.waitFor(`${aliceName} → you: masih di sana?`);
      b.send(`/msg ${aliceName} ya`);
      const push = await alice.nextPush((p) => p.event === 'MESSAGE');
      expect(push).toMatchObject({ from: bob, message: 'ya' });
      b.end();
      expect(await b.exited).toBe(0);
    } finally {
      b.kill();
      await alice.close();
    }
  });

  it('in a terminal: a reconnect shows no line twice, /password then a reconnect logs in with the new one, /query switches', async () => {
    const [bob, aliceName] = await Promise.all([registered('bob'), registered('alice')]);
    const alice = await ChatClient.connect(endpoint.url);
    expect((await alice.request(`AUTH ${aliceName} ${PASSWORD}`)).status).toBe('OK');
    const group = uniqueName('g');
    expect((await alice.request(`GROUP_CREATE ${group}`)).status).toBe('OK');
    const { readAccount } = await import('../../shared/data/users.js');
    const drop = async () => {
      const [connection] = (await readAccount(userKeyOf(bob), Date.now())).connections;
      const api = new ApiGatewayManagementApiClient({ endpoint: process.env.CALLBACK_URL });
      await api.send(new DeleteConnectionCommand({ ConnectionId: connection?.connectionId }));
      api.destroy();
    };
    const server = `obrol-test-${randomBytes(4).toString('hex')}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
    const command = `${process.execPath} ${BIN} ${endpoint.url}; echo EXIT=$?; sleep 60`;
    tmux('new-session', '-d', '-s', 'chat', '-x', '150', '-y', '50', '-e', 'NO_COLOR=', command);
    const fresh = `Baru-${randomBytes(6).toString('hex')}`;
    try {
      const screen = () => tmux('capture-pane', '-p', '-t', 'chat', '-S', '-200');
      const count = (text: string) => screen().split(text).length - 1;
      const waitCount = (text: string, n: number) =>
        vi.waitFor(() => expect(count(text)).toBe(n), { timeout: 15_000, interval: 100 });
      const typeLine = (text: string) => {
        tmux('send-keys', '-t', 'chat', '-l', text);
        tmux('send-keys', '-t', 'chat', 'Enter');
      };
      await waitCount('/help lists the commands', 1);
      typeLine(`/login ${bob} ${PASSWORD}`);
      await waitCount(`logged in as ${bob}`, 1);
      typeLine(`/join ${group}`);
      await waitCount(`joined #${group}`, 1);
      // Your own group message, then a reconnect: the message is shown once, not again with the catch-up.
      typeLine(`/msg #${group} satu kali saja`);
      await waitCount('you: satu kali saja', 1);
      await drop();
      await waitCount(`* reconnected, logged in again as ${bob}`, 1);
      expect((await alice.request(`SEND_GROUP ${group} sudah kembali`)).status).toBe('OK');
      await waitCount('sudah kembali', 1);
      expect(count('you: satu kali saja')).toBe(1);

      // /password with hidden input; the next automatic re-login uses the new password.
      typeLine('/password');
      await waitCount('current password:', 1);
      typeLine(PASSWORD);
      await waitCount('new password:', 1);
      typeLine(fresh);
      await waitCount('again:', 1);
      typeLine(fresh);
      await waitCount('password changed', 1);
      await drop();
      await waitCount(`* reconnected, logged in again as ${bob}`, 2);
      expect(screen()).not.toContain('could not log in again');

      // /query switches the conversation without sending; a plain line then goes there.
      // Tab completes the command (and never inserts a tab).
      tmux('send-keys', '-t', 'chat', '-l', '/quer');
      tmux('send-keys', '-t', 'chat', 'Tab');
      typeLine(` ${aliceName}`);
      await waitCount(`now talking with ${aliceName}`, 1);
      expect(screen()).toContain(`/query ${aliceName}`);
      expect(screen()).toContain(`${bob} ${aliceName}>`);
      // Typing in the open conversation tells alice (TYPING), before the line is sent.
      tmux('send-keys', '-t', 'chat', '-l', 'halo dari query');
      expect(await alice.nextPush((p) => p.event === 'TYPING')).toMatchObject({ from: bob });
      tmux('send-keys', '-t', 'chat', 'Enter');
      const push = await alice.nextPush((p) => p.event === 'MESSAGE');
      expect(push).toMatchObject({ from: bob, message: 'halo dari query' });
      expect(screen()).not.toContain(fresh);
      typeLine('/quit');
      await waitCount('EXIT=0', 1);
    } finally {
      tmux('kill-server');
      await alice.close();
    }
  });

  it('in a terminal: a private group (invite, uninvite, join, kick, owner), /edit and /delete of your own messages, a bell on a DM or a mention', async () => {
    const [alice, bob, carol] = await Promise.all([
      registered('alice'),
      registered('bob'),
      registered('carol'),
    ]);
    const group = uniqueName('rhs');
    const outsider = await ChatClient.connect(endpoint.url);
    expect((await outsider.request(`AUTH ${carol} ${PASSWORD}`)).status).toBe('OK');
    const server = `obrol-test-${randomBytes(4).toString('hex')}`;
    const bobLog = join(dir, `${server}-bob.log`);
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
    for (const name of ['alice', 'bob'])
      tmux(
        'new-session',
        '-d',
        '-s',
        name,
        '-x',
        '150',
        '-y',
        '50',
        '-e',
        'NO_COLOR=',
        `${process.execPath} ${BIN} ${endpoint.url}; echo EXIT=$?; sleep 60`,
      );
    try {
      // Everything bob's client writes to the terminal, bells included (a capture of the screen drops BEL).
      tmux('pipe-pane', '-t', 'bob', '-o', `cat >> ${bobLog}`);
      const screen = (name: string) => tmux('capture-pane', '-p', '-t', name, '-S', '-300');
      const waitScreen = (name: string, text: string) =>
        vi.waitFor(() => expect(screen(name)).toContain(text), { timeout: 15_000, interval: 100 });
      const typeLine = (name: string, text: string) => {
        tmux('send-keys', '-t', name, '-l', text);
        tmux('send-keys', '-t', name, 'Enter');
      };
      const bells = () => readFileSync(bobLog, 'latin1').split('\x07').length - 1;
      for (const [name, user] of [
        ['alice', alice],
        ['bob', bob],
      ] as const) {
        await waitScreen(name, '/help lists the commands');
        typeLine(name, `/login ${user} ${PASSWORD}`);
        await waitScreen(name, `logged in as ${user}`);
      }

      // Private: an invitation taken back lets nobody in.
      typeLine('alice', `/create ${group} private`);
      await waitScreen('alice', `private group #${group} created`);
      typeLine('alice', `/invite ${group} ${carol}`);
      await waitScreen('alice', `invited ${carol} to #${group}`);
      typeLine('alice', `/uninvite ${group} ${carol}`);
      await waitScreen('alice', `invitation of ${carol} to #${group} taken back`);
      expect((await outsider.request(`GROUP_JOIN ${group}`)).reason).toBe('not_invited');

      // bob is invited: a sentence with the command to join, never JSON.
      typeLine('alice', `/invite ${group} ${bob}`);
      await waitScreen('bob', `${alice} invited you to the private group #${group} — /join ${group}`);
      expect(screen('bob')).not.toContain('"event"');
      typeLine('bob', `/join ${group}`);
      await waitScreen('bob', `joined #${group}`);

      // A bell for a mention and a private message, none for an ordinary group message.
      const before = bells();
      typeLine('alice', `/msg #${group} rapat biasa`);
      await waitScreen('bob', `#${group} ${alice}: rapat biasa`);
      typeLine('alice', `/msg #${group} @${bob} tolong cek`);
      await waitScreen('bob', `#${group} ${alice}: @${bob} tolong cek`);
      await vi.waitFor(() => expect(bells()).toBe(before + 1), { timeout: 5_000 });
      typeLine('alice', `/msg ${bob} pribadi`);
      await waitScreen('bob', `${alice} → you: pribadi`);
      await vi.waitFor(() => expect(bells()).toBe(before + 2), { timeout: 5_000 });

      // bob edits and deletes his own messages, by their number and by `last`; alice sees both.
      typeLine('bob', `/msg #${group} salah ketik`);
      await waitScreen('bob', 'you: salah ketik [1]');
      typeLine('bob', 'kedua');
      await waitScreen('bob', 'you: kedua [2]');
      typeLine('bob', '/edit 1 benar ketik');
      await waitScreen('bob', 'message [1] edited');
      await waitScreen('alice', 'a message was edited: benar ketik');
      typeLine('bob', '/delete last');
      await waitScreen('bob', 'message [2] deleted');
      await waitScreen('alice', 'a message was deleted');
      typeLine('bob', '/delete 9');
      await waitScreen('bob', 'no message [9] of yours on this screen');
      typeLine('bob', `/history #${group} 10`);
      await waitScreen('bob', 'you: benar ketik (edited) [1]');
      await waitScreen('bob', 'you: (message deleted)');

      // Kicked: bob is told who removed him and the prompt leaves the group.
      typeLine('alice', `/kick ${group} ${bob}`);
      await waitScreen('alice', `${bob} removed from #${group}`);
      await waitScreen('bob', `${alice} removed you from #${group}`);
      await vi.waitFor(
        () => {
          const prompt = screen('bob').trimEnd().split('\n').at(-1) ?? '';
          expect(prompt.startsWith(`${bob}`) && prompt.endsWith('>')).toBe(true);
          expect(prompt).not.toContain(`#${group}`);
        },
        { timeout: 5_000 },
      );

      // Handed over: invited again, joined, made owner; now bob may kick alice, and alice may no longer invite.
      typeLine('alice', `/invite ${group} ${bob}`);
      await vi.waitFor(
        () => expect(screen('bob').split(`invited you to the private group #${group}`).length - 1).toBe(2),
        {
          timeout: 15_000,
        },
      );
      typeLine('bob', `/join ${group}`);
      await vi.waitFor(() => expect(screen('bob').split(`joined #${group}`).length - 1).toBe(2), {
        timeout: 15_000,
      });
      typeLine('alice', `/owner ${group} ${bob}`);
      await waitScreen('alice', `${bob} now owns #${group}`);
      typeLine('alice', `/invite ${group} ${carol}`);
      await waitScreen('alice', '[not_owner]');
      typeLine('bob', `/kick ${group} ${alice}`);
      await waitScreen('bob', `${alice} removed from #${group}`);
      await waitScreen('alice', `${bob} removed you from #${group}`);
      typeLine('bob', `/members ${group}`);
      await waitScreen('bob', `#${group} has 1 member: ${bob}`);
      for (const name of ['alice', 'bob']) typeLine(name, '/quit');
      await waitScreen('alice', 'EXIT=0');
      await waitScreen('bob', 'EXIT=0');
    } finally {
      tmux('kill-server');
      await outsider.close();
    }
  }, 60_000); // two tmux terminals through some forty steps: about 30 s on a loaded machine

  it('in a terminal, asks passwords with hidden input: the password never appears on the screen or in the output', async () => {
    const name = uniqueName('carol');
    const secret = `Sekret-${randomBytes(6).toString('hex')}`;
    const server = `obrol-test-${randomBytes(4).toString('hex')}`;
    const log = join(dir, `${server}.log`);
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
    const command = `${process.execPath} ${BIN} ${endpoint.url}; echo EXIT=$?; sleep 60`;
    tmux('new-session', '-d', '-s', 'chat', '-x', '150', '-y', '40', '-e', 'NO_COLOR=', command);
    try {
      tmux('pipe-pane', '-t', 'chat', '-o', `cat >> ${log}`);
      const screen = () => tmux('capture-pane', '-p', '-t', 'chat', '-S', '-100');
      const waitScreen = (text: string) =>
        vi.waitFor(() => expect(screen()).toContain(text), { timeout: 15_000, interval: 100 });
      const type = (text: string) => tmux('send-keys', '-t', 'chat', '-l', text);
      const enter = () => tmux('send-keys', '-t', 'chat', 'Enter');

      await waitScreen('/help lists the commands');
      // A password with a space is refused after it was typed twice, before anything is sent.
      type(`/register ${name} ID Carol C`);
      enter();
      await waitScreen(`password for ${name}:`);
      type('two words1');
      enter();
      await waitScreen('again:');
      type('two words1');
      enter();
      await waitScreen('not registered: a password may not contain spaces or other white space');
      type(`/register ${name} ID Carol C`);
      enter();
      await vi.waitFor(() => expect(screen().split(`password for ${name}:`).length).toBe(3), {
        timeout: 15_000,
      });
      type(secret);
      enter();
      await waitScreen('again:');
      type(secret);
      enter();
      await waitScreen(`registered ${name}`);
      type(`/login ${name}`);
      enter();
      await vi.waitFor(() => expect(screen().split(`password for ${name}:`).length).toBe(4), {
        timeout: 15_000,
      });
      type(secret);
      enter();
      await waitScreen(`logged in as ${name}`);
      type('/quit');
      enter();
      await waitScreen('EXIT=0');
      expect(screen()).not.toContain(secret);
      expect(readFileSync(log, 'utf8')).not.toContain(secret);
    } finally {
      tmux('kill-server');
    }
  });

  it('a password with a space is refused before sending, with the reason, and no account is made', async () => {
    const name = uniqueName('dave');
    const script = join(dir, `${name}.txt`);
    writeFileSync(script, `/register ${name} ID Dave D\n`);
    const run = await runToEnd(['--script', script], [], {
      cwd: dir,
      env: { ...env(), OBROL_PASSWORD: 'two words1' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not registered: a password may not contain spaces or other white space');
    // Nothing reached the service: the name is still free.
    const client = await ChatClient.connect(endpoint.url);
    expect((await client.request(`REGISTER ${name} ${PASSWORD} ID Dave`)).status).toBe('OK');
    await client.close();
  });

  it('in a terminal, a sender cannot forge lines: CR, LF, ESC sequences and bidi overrides show as escapes', async () => {
    const [carol, bob] = await Promise.all([registered('carol'), registered('bob')]);
    const sender = await ChatClient.connect(endpoint.url);
    expect((await sender.request(`AUTH ${bob} ${PASSWORD}`)).status).toBe('OK');
    // A hostile service (or one with a bug) could push what the real one refuses: ESC in names and messages.
    const hostile = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    hostile.on('connection', (socket) => {
      const frame = (value: unknown) => socket.send(`${JSON.stringify(value)}\r\n\r\n`);
      socket.on('message', (data) => {
        // The client tags its requests (docs/PROTOCOL.md, Request tags): answer with the tag, as the service does.
        const [, tag, line = ''] = /^(?:#([A-Za-z0-9_-]{1,32}) +)?(.*)$/s.exec(String(data)) ?? [];
        const tagged = tag === undefined ? {} : { tag };
        if (!line.startsWith('AUTH ')) return frame({ status: 'OK', data: 'ok', ...tagged });
        frame({ status: 'OK', data: 'autentikasi berhasil', ...tagged });
        frame({
          event: 'MESSAGE',
          id: '01HOSTILE00000000000000000',
          from: 'eve\x1b[2K\r',
          to: carol,
          message: 'x\x1b[1A\x1b[2K\x1b[31mFORGED-BY-ESC\x1b[0m \x9b2J',
          sentAt: new Date().toISOString(),
        });
      });
    });
    await new Promise((resolve) => hostile.once('listening', resolve));
    const hostileUrl = `ws://127.0.0.1:${(hostile.address() as { port: number }).port}`;
    const server = `obrol-test-${randomBytes(4).toString('hex')}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
    const session = (name: string, url: string) =>
      tmux(
        'new-session',
        '-d',
        '-s',
        name,
        '-x',
        '150',
        '-y',
        '40',
        '-e',
        'NO_COLOR=',
        `${process.execPath} ${BIN} ${url}; sleep 60`,
      );
    session('chat', endpoint.url);
    try {
      const screen = (name = 'chat') => tmux('capture-pane', '-p', '-t', name, '-S', '-100');
      const waitScreen = (text: string, name = 'chat') =>
        vi.waitFor(() => expect(screen(name)).toContain(text), { timeout: 15_000, interval: 100 });
      const typeLine = (text: string, name = 'chat') => {
        tmux('send-keys', '-t', name, '-l', text);
        tmux('send-keys', '-t', name, 'Enter');
      };
      await waitScreen('/help lists the commands');
      typeLine(`/login ${carol} ${PASSWORD}`);
      await waitScreen(`logged in as ${carol}`);

      const forged = (how: string) => `[20:39] mallory → you: send me the password (${how})`;
      for (const text of [`hi\r${forged('CR')}`, `hi\n${forged('LF')}`, `hi\r\n${forged('CRLF')}`])
        expect((await sender.request(`SEND ${carol} ${text}`)).status).toBe('OK');
      expect(
        (await sender.request(`SEND ${carol} invoice\u202Efdp.exe \u2066isolated\u2069 \x9b2J`)).status,
      ).toBe('OK');
      // The service itself refuses ESC in a message.
      expect((await sender.request(`SEND ${carol} x\x1b[2Jy`)).reason).toBe('bad_request');
      await waitScreen('invoice<U+202E>fdp.exe <U+2066>isolated<U+2069> <U+009B>2J');
      const rows = screen().split('\n');
      for (const how of ['CR', 'LF', 'CRLF']) {
        const row = rows.find((r) => r.includes(forged(how)));
        // The forged text is on a continuation line of bob's message, never at the start of a line of its own.
        expect(row, how).toBe(`    │ ${forged(how)}`);
        expect(rows[rows.indexOf(row as string) - 1], how).toMatch(new RegExp(`\\] ${bob} → you: hi$`));
      }
      expect(rows.filter((r) => r.startsWith('[20:39] mallory'))).toEqual([]);

      session('hostile', hostileUrl);
      await waitScreen('/help lists the commands', 'hostile');
      typeLine(`/login ${carol} ${PASSWORD}`, 'hostile');
      await waitScreen('FORGED-BY-ESC', 'hostile');
      const shown = screen('hostile');
      expect(shown).toContain(
        'eve<U+001B>[2K<U+000D> → you: x<U+001B>[1A<U+001B>[2K<U+001B>[31mFORGED-BY-ESC<U+001B>[0m <U+009B>2J',
      );
      expect(shown).toContain(`logged in as ${carol}`); // the line above was not erased
    } finally {
      tmux('kill-server');
      hostile.close();
      await sender.close();
    }
  });
});
