import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../cli/args.js';
import { parseCommand } from '../../cli/commands.js';
import { candidateName, saveNew } from '../../cli/downloads.js';
import { failureLine, formatSize, progressBar, pushLine, styleFor } from '../../cli/format.js';

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
      message: 'usage: /msg <user> <text…>',
    });
    expect(parseCommand('/login')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('/history bob x')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('/dance')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('/dance'),
    });
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
    ).toBe('[14:03] message 1 edited: baru');
    expect(pushLine({ event: 'MESSAGE_DELETED', id: '1' }, 'alice', plain)).toMatch(/ message 1 deleted$/);
    expect(
      pushLine({ event: 'READ', id: '9', by: 'bob', upTo: '1', group: 'kantor' }, 'alice', plain),
    ).toMatch(/ bob read up to 1 in #kantor$/);
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
