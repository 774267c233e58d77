/**
 * Every command's parameter parsing (its pure `parse`), frame text to parameters: what each accepts, exactly, and
 * what it refuses (the dispatcher answers those `bad_request` before any AWS call). A table, so a loosened or
 * tightened check in any one command fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '../support/offline.js';

let COMMANDS: typeof import('../../shared/commands/index.js').COMMANDS;
let CommandError: typeof import('../../shared/protocol/replies.js').CommandError;

beforeAll(async () => {
  ({ COMMANDS } = await import('../../shared/commands/index.js'));
  ({ CommandError } = await import('../../shared/protocol/replies.js'));
});

const ID = '01KB0000000000000000000000';
const parse = (word: string, rest: string) => {
  const command = COMMANDS[word];
  if (!command) throw new Error(`no command ${word}`);
  return command.parse(rest);
};

/** [command, parameters as sent, what parse returns]. */
const accepted: [string, string, unknown][] = [
  ['AUTH', 'alice rahasia123', { username: 'alice', password: 'rahasia123' }],
  ['AUTH', 'alice   x', { username: 'alice', password: 'x' }],
  ['AUTH', 'alice x -', { username: 'alice', password: 'x', device: '-' }],
  [
    'AUTH',
    'alice x AbCdEfGhIjKlMnOpQrSt_-',
    { username: 'alice', password: 'x', device: 'AbCdEfGhIjKlMnOpQrSt_-' },
  ],
  [
    'REGISTER',
    'alice password1 ID Alice Doe',
    { username: 'alice', password: 'password1', country: 'ID', name: 'Alice Doe' },
  ],
  ['PASSWORD', 'old newpassword', { current: 'old', next: 'newpassword' }],
  ['DELETE_ACCOUNT', 'password1', { password: 'password1' }],
  ['SESSION', '', {}],
  [
    'RESUME',
    'alice AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    { username: 'alice', token: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  ],
  [
    'SESSION_END',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    { token: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  ],
  ['SEND', 'bob halo  semua', { target: 'bob', message: 'halo  semua' }],
  ['SEND_GROUP', 'g halo', { target: 'g', message: 'halo' }],
  ['SEND_ID', 'client-id_1 bob halo', { clientId: 'client-id_1', target: 'bob', message: 'halo' }],
  ['SEND_GROUP_ID', 'client-id_1 g halo', { clientId: 'client-id_1', target: 'g', message: 'halo' }],
  ['SEND_FILE', 'bob a.txt', { target: 'bob', filename: 'a.txt', bytes: undefined }],
  ['SEND_GROUP_FILE', 'g a.txt', { target: 'g', filename: 'a.txt', bytes: undefined }],
  ['GROUP_CREATE', 'g', { name: 'g', isPrivate: false }],
  ['GROUP_CREATE', 'g private', { name: 'g', isPrivate: true }],
  ['GROUP_CREATE', 'g PRIVATE', { name: 'g', isPrivate: true }],
  ['GROUP_JOIN', 'g', { name: 'g' }],
  ['GROUP_LEAVE', 'g', { name: 'g' }],
  ['GROUP_DELETE', 'g', { name: 'g' }],
  ['GROUP_MEMBERS', 'g', { name: 'g', after: undefined }],
  ['GROUP_MEMBERS', 'g bob', { name: 'g', after: 'bob' }],
  ['WHO', 'g bob', { name: 'g', after: 'bob' }],
  ['GROUP_INVITE', 'g bob', { name: 'g', user: 'bob' }],
  ['GROUP_KICK', 'g bob', { name: 'g', user: 'bob' }],
  ['GROUP_OWNER', 'g bob', { name: 'g', user: 'bob' }],
  ['GROUP_UNINVITE', 'g bob', { name: 'g', user: 'bob' }],
  ['BLOCK', 'bob', { name: 'bob' }],
  ['UNBLOCK', 'bob', { name: 'bob' }],
  ['BLOCKED', '', {}],
  ['GROUPS', '', {}],
  ['CONVERSATIONS', '', {}],
  ['CONVERSATIONS', '2026-12-07T20#bob', { after: '2026-12-07T20#bob' }],
  ['INBOX', '', {}],
  ['PING', '', {}],
  ['HELP', '', {}],
  ['LOGOUT', '', {}],
  ['FILE_URL', ID, { id: ID }],
  ['HISTORY', 'bob', { name: 'bob', before: undefined }],
  ['HISTORY', `bob ${ID}`, { name: 'bob', before: ID }],
  ['GROUP_HISTORY', `g ${ID}`, { name: 'g', before: ID }],
  ['READ', `bob ${ID}`, { name: 'bob', id: ID }],
  ['READ_GROUP', `g ${ID}`, { name: 'g', id: ID }],
  ['EDIT', `${ID} teks  baru`, { id: ID, message: 'teks  baru' }],
  ['DELETE', ID, { id: ID }],
  ['STATUS', 'bob', { name: 'bob' }],
  ['TYPING', 'bob', { name: 'bob' }],
  ['TYPING_GROUP', 'g', { name: 'g' }],
  ['WATCH', 'bob Bob carol', { userKeys: ['bob', 'carol'] }],
  ['UNWATCH', 'bob', { userKeys: ['bob'] }],
];

/** [command, parameters as sent]: each is refused. */
const refused: [string, string][] = [
  ['AUTH', ''],
  ['AUTH', 'alice'],
  ['AUTH', `${'a'.repeat(33)} x`],
  ['AUTH', `${'a'.repeat(3000)} x`],
  ['AUTH', 'al x'],
  ['AUTH', 'alice x short'],
  ['AUTH', 'alice x - y'],
  ['REGISTER', 'alice password1 ID'],
  ['REGISTER', 'al password1 ID Alice'],
  ['REGISTER', 'alice short ID Alice'],
  ['REGISTER', `alice password1 ${'x'.repeat(65)} Alice`],
  ['REGISTER', `alice password1 ID ${'x'.repeat(101)}`],
  ['PASSWORD', 'old'],
  ['PASSWORD', 'old short'],
  ['DELETE_ACCOUNT', ''],
  ['DELETE_ACCOUNT', 'a b'],
  ['SESSION', 'x'],
  ['RESUME', 'alice'],
  ['SESSION_END', ''],
  ['SESSION_END', 'short'],
  ['SEND', 'bob'],
  ['SEND', 'b halo'],
  ['SEND', 'bob bad\u0000text'],
  ['SEND_GROUP', 'g!x halo'],
  ['SEND_ID', 'bob halo'],
  ['SEND_ID', 'short bob halo'],
  ['SEND_ID', 'client-id_1 bob'],
  ['SEND_FILE', 'bob'],
  ['SEND_FILE', 'b a.txt'],
  ['SEND_FILE', 'bob a/b.txt'],
  ['SEND_FILE', 'bob a.txt !!notbase64!!'],
  ['SEND_GROUP_FILE', 'g!x a.txt'],
  ['GROUP_CREATE', ''],
  ['GROUP_CREATE', 'g!x'],
  ['GROUP_CREATE', 'g!x private'],
  ['GROUP_CREATE', 'g public'],
  ['GROUP_JOIN', 'g h'],
  ['GROUP_MEMBERS', ''],
  ['GROUP_MEMBERS', 'g!x'],
  ['GROUP_MEMBERS', 'g b'],
  ['GROUP_MEMBERS', 'g bob carol'],
  ['GROUP_INVITE', 'g'],
  ['GROUP_INVITE', 'g b'],
  ['GROUP_INVITE', 'g!x bob'],
  ['GROUP_UNINVITE', 'g'],
  ['GROUP_UNINVITE', 'g!x bob'],
  ['BLOCK', ''],
  ['BLOCK', 'b'],
  ['BLOCK', 'bob carol'],
  ['UNBLOCK', ''],
  ['UNBLOCK', 'a!b'],
  ['BLOCKED', 'x'],
  ['GROUPS', 'x'],
  ['CONVERSATIONS', 'x'],
  ['INBOX', 'x'],
  ['PING', 'x'],
  ['HELP', 'x'],
  ['LOGOUT', 'x'],
  ['FILE_URL', ''],
  ['FILE_URL', `x${ID}`],
  ['FILE_URL', `${ID}x`],
  ['FILE_URL', ID.toLowerCase()],
  ['HISTORY', ''],
  ['HISTORY', 'b'],
  ['HISTORY', `bob x${ID}`],
  ['HISTORY', `bob ${ID}x`],
  ['GROUP_HISTORY', 'g!x'],
  ['READ', 'bob'],
  ['READ', `b ${ID}`],
  ['READ', 'bob 1'],
  ['READ_GROUP', `g!x ${ID}`],
  ['EDIT', ID],
  ['EDIT', 'notanid teks'],
  ['DELETE', ''],
  ['DELETE', 'notanid'],
  ['STATUS', 'b'],
  ['TYPING_GROUP', 'g!x'],
  ['WATCH', ''],
  ['WATCH', 'bob b'],
  ['WATCH', Array.from({ length: 51 }, (_, i) => `user${i}`).join(' ')],
];

describe('parse', () => {
  it.each(accepted)('%s %j is read', (word, rest, expected) => {
    expect(parse(word, rest)).toEqual(expected);
  });

  it.each(refused)('%s %j is refused', (word, rest) => {
    expect(parse(word, rest)).toBeUndefined();
  });

  it('reads inline file content as bytes, and refuses more than fits inline with its own reason', () => {
    const read = parse('SEND_FILE', 'bob a.txt aGFsbw==') as {
      target: string;
      filename: string;
      bytes: Uint8Array;
    };
    expect([read.target, read.filename, Buffer.from(read.bytes).toString()]).toEqual([
      'bob',
      'a.txt',
      'halo',
    ]);
    const limit = 24_000;
    const fits = Buffer.alloc(limit).toString('base64');
    expect((parse('SEND_FILE', `bob a.bin ${fits}`) as { bytes: Buffer }).bytes).toHaveLength(limit);
    const over = Buffer.alloc(limit + 1).toString('base64');
    expect(() => parse('SEND_FILE', `bob a.bin ${over}`)).toThrow(CommandError);
    expect(() => parse('SEND', `bob ${'x'.repeat(4097)}`)).toThrow(CommandError);
  });

  it('has a test row for every command', () => {
    const covered = new Set([...accepted, ...refused].map(([word]) => word));
    expect(Object.keys(COMMANDS).filter((word) => !covered.has(word))).toEqual([]);
  });
});
