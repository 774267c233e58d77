import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../cli/args.js';
import { complete, isScriptComment, parseCommand } from '../../cli/commands.js';
import { candidateName, saveNew } from '../../cli/downloads.js';
import { failureLine, formatSize, progressBar, pushLine, statusLine, styleFor } from '../../cli/format.js';
import { meText, newClientId } from '../../cli/session.js';

const plain = styleFor(false, {});

describe('parseCommand', () => {
  it('reads the commands of the table, keeping the inner spaces of texts and names', () => {
    expect(parseCommand('/register bob ID Bob  the Builder')).toEqual({
      kind: 'register',
      user: 'bob',
      country: 'ID',
      name: 'Bob  the Builder',
    });
    expect(parseCommand('/login bob')).toEqual({ kind: 'login', user: 'bob', password: undefined });
    expect(parseCommand('/login bob rahasia123')).toEqual({
      kind: 'login',
      user: 'bob',
      password: 'rahasia123',
    });
    expect(parseCommand('/msg alice halo  dunia')).toEqual({
      kind: 'msg',
      user: 'alice',
      text: 'halo  dunia',
    });
    expect(parseCommand('/g #kantor rapat')).toEqual({ kind: 'group-msg', group: 'kantor', text: 'rapat' });
    expect(parseCommand('apa kabar?')).toEqual({ kind: 'say', text: 'apa kabar?' });
    expect(parseCommand('/file #kantor my file.pdf')).toEqual({
      kind: 'file',
      target: { group: 'kantor' },
      path: 'my file.pdf',
    });
    expect(parseCommand('/history')).toEqual({ kind: 'history', target: undefined, count: 20 });
    expect(parseCommand('/history 5')).toEqual({ kind: 'history', target: undefined, count: 5 });
    expect(parseCommand('/history #kantor 7')).toEqual({
      kind: 'history',
      target: { group: 'kantor' },
      count: 7,
    });
    expect(parseCommand('/raw SEND bob hi')).toEqual({ kind: 'raw', line: 'SEND bob hi' });
    expect(parseCommand('/members kantor')).toEqual({ kind: 'members', group: 'kantor' });
    expect(parseCommand('   ')).toBeUndefined();
  });

  it('turns a malformed or unknown command into a message, never a request', () => {
    expect(parseCommand('/msg bob')).toMatchObject({
      kind: 'invalid',
      message: 'usage: /msg <user-or-#group> <text…>',
    });
    expect(parseCommand('/login')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('/history bob x')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('/dance')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('/dance'),
    });
  });
});

describe('parseCommand: the whole protocol without /raw', () => {
  it('reads every command', () => {
    expect(parseCommand('/msg #kantor rapat  jam 3')).toEqual({
      kind: 'group-msg',
      group: 'kantor',
      text: 'rapat  jam 3',
    });
    expect(parseCommand('/msg bob hi')).toEqual({ kind: 'msg', user: 'bob', text: 'hi' });
    expect(parseCommand('/query #kantor')).toEqual({ kind: 'query', target: { group: 'kantor' } });
    expect(parseCommand('/query bob')).toEqual({ kind: 'query', target: { user: 'bob' } });
    expect(parseCommand('/me waves  hello')).toEqual({ kind: 'me', text: 'waves  hello' });
    expect(parseCommand('/who #kantor')).toEqual({ kind: 'who', group: 'kantor' });
    expect(parseCommand('/whois bob')).toEqual({ kind: 'whois', user: 'bob' });
    expect(parseCommand('/watch bob carol')).toEqual({ kind: 'watch', users: ['bob', 'carol'] });
    expect(parseCommand('/unwatch bob')).toEqual({ kind: 'unwatch', users: ['bob'] });
    expect(parseCommand('/create rahasia private')).toEqual({
      kind: 'create',
      group: 'rahasia',
      private: true,
    });
    expect(parseCommand('/create kantor')).toEqual({ kind: 'create', group: 'kantor', private: false });
    expect(parseCommand('/invite #rahasia bob')).toEqual({ kind: 'invite', group: 'rahasia', user: 'bob' });
    expect(parseCommand('/kick rahasia bob')).toEqual({ kind: 'kick', group: 'rahasia', user: 'bob' });
    expect(parseCommand('/owner rahasia bob')).toEqual({ kind: 'owner', group: 'rahasia', user: 'bob' });
    expect(parseCommand('/deletegroup #rahasia')).toEqual({ kind: 'deletegroup', group: 'rahasia' });
    expect(parseCommand('/password')).toEqual({ kind: 'password' });
    expect(parseCommand('/deleteaccount')).toEqual({ kind: 'deleteaccount' });
    expect(parseCommand('/edit 3 new  text')).toEqual({ kind: 'edit', index: 3, text: 'new  text' });
    expect(parseCommand('/delete 3')).toEqual({ kind: 'delete', index: 3 });
    expect(parseCommand('/edit last jam 10')).toEqual({ kind: 'edit', index: 'last', text: 'jam 10' });
    expect(parseCommand('/delete LAST')).toEqual({ kind: 'delete', index: 'last' });
  });

  it('refuses malformed ones with their usage, and never puts a password on the line', () => {
    for (const line of [
      '/query',
      '/query a b',
      '/me',
      '/whois',
      '/watch',
      '/create k public',
      '/invite k',
      '/deletegroup',
      '/password old new',
      '/deleteaccount pw',
      '/edit x text',
      '/edit 3',
      '/delete',
      '/delete three',
      '/edit lastly text',
      '/delete last 2',
    ])
      expect(parseCommand(line)).toMatchObject({
        kind: 'invalid',
        message: expect.stringMatching(/^usage: /),
      });
  });

  it('reads blocking and taking an invitation back', () => {
    expect(parseCommand('/block bob')).toEqual({ kind: 'block', user: 'bob' });
    expect(parseCommand('/unblock bob')).toEqual({ kind: 'unblock', user: 'bob' });
    expect(parseCommand('/blocked')).toEqual({ kind: 'blocked' });
    expect(parseCommand('/conversations')).toEqual({ kind: 'conversations' });
    expect(parseCommand('/conversations x')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('/uninvite #rahasia carol')).toEqual({
      kind: 'uninvite',
      group: 'rahasia',
      user: 'carol',
    });
    expect(parseCommand('/block')).toMatchObject({ kind: 'invalid' });
  });

  it('completes commands, names and #groups with Tab, and never a tab', () => {
    const names = ['Bob', 'bobby', 'carol'];
    const groups = ['kantor', 'keluarga'];
    expect(complete('/wh', names, groups)).toEqual([['/who', '/whois'], '/wh']);
    expect(complete('/qu', names, groups)).toEqual([['/query', '/quit'], '/qu']);
    expect(complete('/msg bo', names, groups)).toEqual([['Bob', 'bobby'], 'bo']);
    expect(complete('/query #ke', names, groups)).toEqual([['#keluarga'], '#ke']);
    expect(complete('halo @ca', names, groups)).toEqual([[], '@ca']);
    expect(complete('/msg zz', names, groups)).toEqual([[], 'zz']);
    expect(complete('', names, groups)[0]).toEqual(['Bob', 'bobby', 'carol']);
  });

  it('a # line of a script is a comment; a /me is sent as an action line; client ids fit SEND_ID', () => {
    expect(isScriptComment('# a comment')).toBe(true);
    expect(isScriptComment('  #kantor')).toBe(true);
    expect(isScriptComment('/msg #kantor hi')).toBe(false);
    expect(meText('alice', 'waves')).toBe('* alice waves');
    const ids = new Set(Array.from({ length: 50 }, () => newClientId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });
});

describe('formatting', () => {
  it('prints pushes as one readable line each', () => {
    const sentAt = new Date(2026, 10, 27, 14, 3).toISOString();
    expect(
      pushLine(
        { event: 'MESSAGE', id: '1', from: 'bob', to: 'Alice', message: 'halo', sentAt },
        'alice',
        plain,
      ),
    ).toBe('[14:03] bob → you: halo');
    expect(
      pushLine(
        { event: 'GROUP_MESSAGE', id: '2', group: 'kantor', from: 'alice', message: 'rapat', sentAt },
        'bob',
        plain,
      ),
    ).toBe('[14:03] #kantor alice: rapat');
    const file = {
      event: 'FILE',
      id: '3',
      from: 'bob',
      to: 'alice',
      filename: 'a.pdf',
      size: 300 * 1024,
      sentAt,
    };
    expect(pushLine(file as never, 'alice', plain)).toBe('[14:03] bob sent a.pdf (300 KB)');
  });

  it('prints edits, deletions, read receipts and HISTORY tombstones', () => {
    const at = new Date(2026, 10, 27, 14, 3).toISOString();
    const message = { event: 'MESSAGE', id: '1', from: 'bob', to: 'alice', sentAt: at };
    expect(pushLine({ ...message, message: 'halo!', editedAt: at }, 'alice', plain)).toBe(
      '[14:03] bob → you: halo! (edited)',
    );
    expect(pushLine({ ...message, deleted: true }, 'alice', plain)).toBe('[14:03] bob: (message deleted)');
    expect(
      pushLine({ event: 'MESSAGE_EDITED', id: '1', message: 'baru', editedAt: at }, 'alice', plain),
    ).toBe('[14:03] a message was edited: baru');
    expect(pushLine({ event: 'MESSAGE_DELETED', id: '1' }, 'alice', plain)).toMatch(
      / a message was deleted$/,
    );
    // Your own messages by the short number shown beside them.
    const mine = (id: unknown) => (id === '1' ? 3 : undefined);
    expect(pushLine({ event: 'MESSAGE_DELETED', id: '1' }, 'alice', plain, mine)).toMatch(
      / your message \[3\] was deleted$/,
    );
    expect(
      pushLine({ event: 'READ', id: '9', by: 'bob', upTo: '1', group: 'kantor' }, 'alice', plain, mine),
    ).toMatch(/ bob read up to your message \[3\] in #kantor ✓✓$/);
    expect(pushLine({ event: 'DELIVERED', id: '8', by: 'bob', upTo: '1' }, 'alice', plain, mine)).toMatch(
      / bob received up to your message \[3\] ✓$/,
    );
    expect(pushLine({ ...message, from: 'alice', to: 'bob', message: 'hai' }, 'alice', plain, mine)).toBe(
      '[14:03] you → bob: hai [3]',
    );
  });

  it('prints presence, typing, invitations, kicks and logouts as sentences, never JSON', () => {
    const at = new Date(2026, 10, 27, 14, 3).toISOString();
    expect(pushLine({ event: 'PRESENCE', id: '1', user: 'Bob', online: true, at } as never, 'a', plain)).toBe(
      '[14:03] Bob is online',
    );
    expect(
      pushLine({ event: 'PRESENCE', id: '1', user: 'Bob', online: false, at } as never, 'a', plain),
    ).toBe('[14:03] Bob went offline');
    expect(pushLine({ event: 'TYPING', id: '1', from: 'bob', to: 'a' } as never, 'a', plain)).toMatch(
      / bob is typing…$/,
    );
    expect(pushLine({ event: 'TYPING', id: '1', from: 'bob', group: 'k' } as never, 'a', plain)).toMatch(
      / bob is typing in #k…$/,
    );
    const invited = { event: 'GROUP_INVITED', id: '1', group: 'Kantor', by: 'alice', until: at };
    expect(pushLine(invited as never, 'bob', plain)).toMatch(
      / alice invited you to the private group #Kantor — \/join Kantor$/,
    );
    expect(
      pushLine({ event: 'GROUP_KICKED', id: '1', group: 'K', by: 'alice' } as never, 'b', plain),
    ).toMatch(/ alice removed you from #K$/);
    expect(pushLine({ event: 'GROUP_DELETED', id: '1', group: 'K' } as never, 'b', plain)).toMatch(
      / #K was deleted$/,
    );
    expect(
      pushLine({ event: 'LOGGED_OUT', id: '1', reason: 'password_changed' } as never, 'b', plain),
    ).toMatch(/ you were logged out: the password was changed on another device$/);
    expect(pushLine({ event: 'SOMETHING_NEW', id: '1', x: '{}' } as never, 'b', plain)).toMatch(
      / \(SOMETHING_NEW\)$/,
    );
    // /me, and a history line with its date.
    const me = {
      event: 'GROUP_MESSAGE',
      id: '5',
      group: 'k',
      from: 'bob',
      message: '* bob waves',
      sentAt: at,
    };
    expect(pushLine(me as never, 'a', plain)).toBe('[14:03] #k * bob waves');
    expect(pushLine({ ...me, message: 'hi' } as never, 'a', plain, undefined, true)).toBe(
      '[2026-11-27 14:03] #k bob: hi',
    );
  });

  it('shows STATUS as a sentence and a limit with its wait', () => {
    expect(statusLine({ user: 'Bob', online: true, lastSeen: null }, plain)).toBe('Bob is online');
    expect(statusLine({ user: 'Bob', online: false, lastSeen: null }, plain)).toBe(
      'Bob has not been seen yet',
    );
    expect(
      statusLine({ user: 'Bob', online: false, lastSeen: new Date(2026, 10, 27, 9, 5).toISOString() }, plain),
    ).toBe('Bob was last seen 2026-11-27 09:05');
    expect(
      failureLine(
        { status: 'ERROR', data: 'pesan tidak terkirim', reason: 'rate_limited', retryAfter: 2.5 } as never,
        plain,
      ),
    ).toMatch(/\(try again in 3 s\) \[rate_limited\]$/);
  });

  it('shows a failure as the Indonesian data and an English explanation, an unknown reason as its code', () => {
    expect(
      failureLine({ status: 'ERROR', data: 'autentikasi gagal', reason: 'invalid_credentials' }, plain),
    ).toBe('✗ autentikasi gagal — unknown user or wrong password [invalid_credentials]');
    expect(failureLine({ status: 'ERROR', data: 'x gagal', reason: 'slow_down' }, plain)).toBe(
      '✗ x gagal — reason: slow_down [slow_down]',
    );
  });

  it('colours only a terminal, and never when NO_COLOR is set', () => {
    expect(styleFor(true, {}).error('x')).toBe('\x1b[31mx\x1b[0m');
    expect(styleFor(true, { NO_COLOR: '1' }).error('x')).toBe('x');
    expect(styleFor(false, {}).error('x')).toBe('x');
  });

  it('sizes and progress', () => {
    expect([formatSize(11), formatSize(300 * 1024), formatSize(1024 * 1024)]).toEqual([
      '11 B',
      '300 KB',
      '1.0 MB',
    ]);
    expect(progressBar(512, 1024, 10)).toBe('[#####.....]  50%  512 B / 1 KB');
  });
});

describe('downloads', () => {
  it('never overwrites: name, name-1, name-2, keeping the extension', async () => {
    expect([candidateName('a.pdf', 0), candidateName('a.pdf', 2), candidateName('README', 1)]).toEqual([
      'a.pdf',
      'a-2.pdf',
      'README-1',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'obrol-dl-'));
    try {
      const paths = await Promise.all(
        [1, 2, 3].map((n) => saveNew(dir, 'x.txt', new TextEncoder().encode(`${n}`))),
      );
      expect(new Set(paths).size).toBe(3);
      expect(readdirSync(dir).sort()).toEqual(['x-1.txt', 'x-2.txt', 'x.txt']);
      expect(paths.map((p) => readFileSync(p, 'utf8')).sort()).toEqual(['1', '2', '3']);
      expect(await saveNew(dir, '../../escape.txt', new Uint8Array([1]))).toBe(join(dir, 'escape.txt'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseOptions', () => {
  it('takes the URL from the argument, then OBROL_URL, then the local default', () => {
    expect(parseOptions([], {}).url).toBe('ws://127.0.0.1:3001');
    expect(parseOptions([], { OBROL_URL: 'wss://x' }).url).toBe('wss://x');
    expect(parseOptions(['ws://y', '--wait', '2.5'], { OBROL_URL: 'wss://x' })).toMatchObject({
      url: 'ws://y',
      waitSeconds: 2.5,
    });
    expect(() => parseOptions(['http://y'], {})).toThrow(/ws:/);
    expect(() => parseOptions(['--wait', 'soon'], {})).toThrow(/--wait/);
  });
});
