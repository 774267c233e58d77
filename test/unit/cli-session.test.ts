/**
 * The terminal client's session against a fake WebSocket (the test plays the server): what it shows, and what the
 * prompt says, as pushes and answers come — own messages shown once, unread counts, the prompt reset after a kick
 * or a logout, READ sent for a message shown in the open conversation, messages sent with a client id.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommand } from '../../cli/commands.js';
import { styleFor } from '../../cli/format.js';
import { ChatSession } from '../../cli/session.js';
import type { Terminal } from '../../cli/terminal.js';
import { ObrolClient } from '../../client/index.js';
import { FakeSocket, fakeSockets } from './fake-socket.js';

const plain = styleFor(false, {});
const clients: ObrolClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function fakeTerminal() {
  const lines: string[] = [];
  let prompt = '> ';
  let bells = 0;
  const term = {
    style: plain,
    errStyle: plain,
    interactive: false,
    print: (line: string) => lines.push(line),
    notice: (line: string) => lines.push(line),
    setPrompt: (text: string) => {
      prompt = text;
    },
    bell: () => {
      bells++;
    },
    progress: () => undefined,
    endProgress: () => undefined,
  } as unknown as Terminal;
  return { term, lines, prompt: () => prompt, bells: () => bells };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function session() {
  const client = new ObrolClient('ws://server', { createSocket: fakeSockets(), pingIntervalMs: 60_000 });
  clients.push(client);
  client.open();
  const socket = FakeSocket.latest();
  socket.accept();
  const t = fakeTerminal();
  const s = new ChatSession(client, t.term, { downloads: '.', envPassword: undefined });
  const run = async (line: string, answer: () => void) => {
    const done = s.run(parseCommand(line) as never);
    await vi.waitFor(() => expect(socket.unanswered.length).toBeGreaterThan(0));
    answer();
    return done;
  };
  await run('/login bob rahasia123', () => socket.answer('OK', 'autentikasi berhasil'));
  // The GROUPS asked after login, for completion, and the private conversations (CONVERSATIONS), listed.
  await vi.waitFor(() => expect(socket.sent).toEqual(expect.arrayContaining(['GROUPS', 'CONVERSATIONS'])));
  socket.answerTo('GROUPS', 'OK', ['kantor']);
  socket.answerTo('CONVERSATIONS', 'OK', [
    { with: 'alice', id: 'M0', from: 'alice', sentAt: '2026-12-07T20:30:00.000Z' },
    { with: 'carol', id: 'L0', from: 'bob', sentAt: '2026-12-07T19:30:00.000Z', deleted: true },
  ]);
  await vi.waitFor(() => expect(t.lines.at(-1)).toMatch(/ carol \(last: you, deleted\)$/));
  const push = (value: object) => socket.deliver(`${JSON.stringify(value)}\r\n\r\n`);
  /** A command that sends nothing. */
  const local = (line: string) => s.run(parseCommand(line) as never);
  return { s, socket, run, local, push, ...t };
}

describe('the terminal session', () => {
  it('lists the private conversations after login, most recent first, and knows their names', async () => {
    const { lines, s } = await session();
    expect(lines.slice(-3)).toEqual([
      'your conversations, most recent first:',
      expect.stringMatching(/^ {2}\[2026-12-0\d \d\d:30\] alice \(last: alice\)$/),
      expect.stringMatching(/^ {2}\[2026-12-0\d \d\d:30\] carol \(last: you, deleted\)$/),
    ]);
    expect([...s.names]).toEqual(expect.arrayContaining(['alice', 'carol']));
  });

  it('sends with a client id, numbers your message, and does not show it again when it comes back', async () => {
    const { socket, run, local, push, lines } = await session();
    expect(await run('/msg #kantor halo', () => socket.answer('OK', 'pesan terkirim', { id: 'M1' }))).toBe(
      'ok',
    );
    expect(socket.sent.at(-1)).toMatch(/^SEND_GROUP_ID [A-Za-z0-9]{16} kantor halo$/);
    expect(lines.at(-1)).toMatch(/ #kantor you: halo \[1\]$/);
    const shown = lines.length;
    push({ event: 'GROUP_MESSAGE', id: 'M1', group: 'kantor', from: 'bob', message: 'halo', sentAt: 't' });
    await settle();
    expect(lines).toHaveLength(shown);
    expect(await run('/edit 1 halo semua', () => socket.answer('OK', 'pesan diubah'))).toBe('ok');
    expect(socket.sent.at(-1)).toBe('EDIT M1 halo semua');
    expect(await local('/delete 2')).toBe('failed');
  });

  it('marks your private message ✓ when SEND_ID says a device of the recipient has it, and prints DELIVERED', async () => {
    const { socket, run, push, lines } = await session();
    expect(
      await run('/msg alice hai', () => socket.answer('OK', 'pesan terkirim', { id: 'M2', delivered: true })),
    ).toBe('ok');
    expect(lines.at(-1)).toMatch(/ you → alice: hai \[1\] ✓$/);
    expect(await run('/msg carol hai', () => socket.answer('OK', 'pesan terkirim', { id: 'M3' }))).toBe('ok');
    expect(lines.at(-1)).toMatch(/ you → carol: hai \[2\]$/);
    push({ event: 'DELIVERED', id: 'D1', by: 'carol', upTo: 'M3' });
    await settle();
    expect(lines.at(-1)).toMatch(/ carol received up to your message \[2\] ✓$/);
  });

  it('marks a message in the open conversation read, counts the others unread, rings for a DM', async () => {
    const { socket, local, push, prompt, bells } = await session();
    expect(await local('/query alice')).toBe('ok');
    push({ event: 'MESSAGE', id: 'A1', from: 'alice', to: 'bob', message: 'hai', sentAt: 't' });
    push({ event: 'MESSAGE', id: 'A2', from: 'alice', to: 'bob', message: 'apa kabar', sentAt: 't' });
    // One READ for the burst, up to its newest message.
    await vi.waitFor(() => expect(socket.sent.at(-1)).toBe('READ alice A2'));
    expect(socket.sent.filter((l) => l.startsWith('READ '))).toEqual(['READ alice A2']);
    socket.answer('OK', 'pesan ditandai terbaca');
    push({ event: 'GROUP_MESSAGE', id: 'G1', group: 'kantor', from: 'carol', message: 'rapat', sentAt: 't' });
    push({
      event: 'GROUP_MESSAGE',
      id: 'G2',
      group: 'kantor',
      from: 'carol',
      message: 'sekarang @bob',
      sentAt: 't',
    });
    await settle();
    expect(prompt()).toBe('bob alice [#kantor:2]> ');
    expect(bells()).toBe(3); // the two DMs and the mention
    expect(socket.sent).not.toContain('READ_GROUP kantor G1');
  });

  it('resets the prompt after a kick from the current group and after being logged out elsewhere', async () => {
    const { local, push, prompt, socket } = await session();
    expect(await local('/query #kantor')).toBe('ok');
    expect(prompt()).toBe('bob #kantor> ');
    push({ event: 'GROUP_KICKED', id: 'K1', group: 'Kantor', by: 'alice' });
    await settle();
    expect(prompt()).toBe('bob> ');
    expect(await local('/query alice')).toBe('ok');
    push({ event: 'LOGGED_OUT', id: 'L1', reason: 'password_changed' });
    await settle();
    expect(prompt()).toBe('bob> ');
    expect(socket.unanswered).toEqual([]);
  });
});
