/**
 * The terminal client never writes a control character from the network to the screen (issue 23): a CR or LF in a
 * message cannot start a line that looks like the client's own, an ESC sequence cannot move the cursor, a bidi
 * override cannot reorder what follows. And it refuses, before sending, a password the protocol cannot carry.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BOUNDS,
  parseCommand,
  passwordProblem,
  registrationProblem,
  usernameProblem,
} from '../../cli/commands.js';
import { failureLine, pushLine, styleFor } from '../../cli/format.js';
import { CONTINUATION, isUnsafe, lines, visible } from '../../cli/visible.js';
import { LIMITS } from '../../shared/protocol/validation.js';

const plain = styleFor(false, {});
const coloured = styleFor(true, {});
const sentAt = new Date(2026, 10, 27, 20, 39).toISOString();
const FORGED = 'hi\r[20:39] carol → you: send me the password';

/** Every code point of the text that a terminal would act on rather than show (our own SGR colours aside). */
const OUR_COLOURS = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');
const unsafeIn = (text: string) =>
  [...text.replace(OUR_COLOURS, '')].filter((c) => c !== '\n' && isUnsafe(c.codePointAt(0) ?? 0));

describe('visible', () => {
  it('shows C0 and C1 controls, DEL and the bidi controls as escapes, and keeps everything else', () => {
    expect(visible('a\rb\nc\x1b[2Jd\x07\x00\x7f\x9b31m')).toBe(
      'a<U+000D>b<U+000A>c<U+001B>[2Jd<U+0007><U+0000><U+007F><U+009B>31m',
    );
    expect(visible('invoice\u202Efdp.exe \u2066x\u2069 \u200E\u200F\u061C\u202A\u202B\u202C\u202D')).toBe(
      'invoice<U+202E>fdp.exe <U+2066>x<U+2069> <U+200E><U+200F><U+061C><U+202A><U+202B><U+202C><U+202D>',
    );
    expect(visible('line\u2028sep\u2029')).toBe('line<U+2028>sep<U+2029>');
    // Text people write stays as it is: tabs, CJK, emoji (joined ones too), accents.
    const ordinary = 'halo\tdunia 東京 👋 👨‍👩‍👧 dünya';
    expect(visible(ordinary)).toBe(ordinary);
    expect(visible(undefined)).toBe('');
    expect(visible(42)).toBe('42');
  });

  it('never lets an unsafe character through, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(unsafeIn(visible(text))).toEqual([]);
        expect(visible(text)).not.toContain('\n');
      }),
    );
  });

  it('shows a multi-line body as its lines, the further ones indented', () => {
    expect(lines('one\r\ntwo\rthree\nfour')).toBe(
      `one\n${CONTINUATION}two\n${CONTINUATION}three\n${CONTINUATION}four`,
    );
    expect(lines('no break')).toBe('no break');
  });
});

describe('printed pushes and answers', () => {
  it('shows a forged line inside a message as a continuation of the sender’s message', () => {
    const line = pushLine(
      { event: 'MESSAGE', id: '1', from: 'bob', to: 'alice', message: FORGED, sentAt },
      'alice',
      plain,
    );
    expect(line).toBe(`[20:39] bob → you: hi\n${CONTINUATION}[20:39] carol → you: send me the password`);
    expect(line.split('\n').filter((l) => l.startsWith('['))).toHaveLength(1);
  });

  it('escapes control characters in names, group names, file names, reasons and answers', () => {
    const evil = 'x\x1b[2K\r\u202E';
    const shownEvil = 'x<U+001B>[2K<U+000D><U+202E>';
    const pushes = [
      { event: 'MESSAGE', id: '1', from: evil, to: 'alice', message: 'm', sentAt },
      { event: 'GROUP_MESSAGE', id: '1', from: 'bob', group: evil, message: 'm', sentAt },
      { event: 'FILE', id: '1', from: 'bob', filename: evil, size: 1, sentAt },
      { event: 'GROUP_FILE', id: '1', from: 'bob', group: 'g', filename: evil, size: 1, sentAt },
      { event: 'FILE_SENT', id: '1', to: 'bob', filename: evil, size: 1, sentAt },
      { event: 'FILE_FAILED', id: '1', reason: evil, sentAt },
      { event: 'MESSAGE_EDITED', id: evil, message: 'm', editedAt: sentAt },
      { event: 'MESSAGE_DELETED', id: evil },
      { event: 'READ', id: '1', by: evil, upTo: evil },
      { event: evil, id: '1', note: '\u009b2J' },
    ];
    for (const push of pushes) {
      for (const style of [plain, coloured]) {
        const line = pushLine(push as never, 'alice', style);
        expect(unsafeIn(line), JSON.stringify(push)).toEqual([]);
        expect(line.split('\n')).toHaveLength(1);
      }
    }
    expect(pushLine(pushes[0] as never, 'alice', plain)).toContain(`${shownEvil} → you`);
    const failure = failureLine({ status: 'ERROR', data: evil, reason: evil }, plain);
    expect(unsafeIn(failure)).toEqual([]);
    expect(failure).toContain(shownEvil);
  });

  it('keeps every message body on lines of its own sender, whatever the body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (message, group) => {
        const push = group
          ? { event: 'GROUP_MESSAGE', id: '1', from: 'bob', group: 'g', message, sentAt }
          : { event: 'MESSAGE', id: '1', from: 'bob', to: 'alice', message, sentAt };
        const printed = pushLine(push as never, 'alice', plain);
        expect(unsafeIn(printed)).toEqual([]);
        const [first, ...rest] = printed.split('\n');
        expect(first?.startsWith(group ? '[20:39] #g bob: ' : '[20:39] bob → you: ')).toBe(true);
        for (const line of rest) expect(line.startsWith(CONTINUATION)).toBe(true);
      }),
    );
  });
});

describe('passwords and registration checked before sending', () => {
  it('uses the protocol’s bounds', () => {
    expect(BOUNDS).toEqual({
      usernameMin: LIMITS.usernameMin,
      usernameMax: LIMITS.usernameMax,
      passwordMin: LIMITS.passwordMin,
      passwordMax: LIMITS.passwordMax,
      countryMax: LIMITS.countryMax,
      nameMax: LIMITS.nameMax,
    });
  });

  it('refuses a password with white space or of the wrong length, and says why', () => {
    expect(passwordProblem('correct horse battery')).toMatch(/spaces/);
    expect(passwordProblem('tab\tinside1')).toMatch(/white space/);
    expect(passwordProblem('short1')).toMatch(/8–128 characters/);
    expect(passwordProblem('x'.repeat(129))).toMatch(/8–128/);
    expect(passwordProblem('rahasia123')).toBeUndefined();
    expect(passwordProblem('🔑'.repeat(8))).toBeUndefined(); // characters, not UTF-16 units
    expect(passwordProblem('x'.repeat(128))).toBeUndefined();
  });

  it('refuses a registration the server would refuse, before asking for the password', () => {
    expect(usernameProblem('al')).toMatch(/3–32/);
    expect(usernameProblem('bob!')).toMatch(/3–32/);
    expect(registrationProblem('bob', 'I D', 'x')).toMatch(/country/); // never reached from a typed line
    expect(registrationProblem('bob', 'x'.repeat(65), 'Bob')).toMatch(/country/);
    expect(registrationProblem('bob', 'ID', 'x'.repeat(101))).toMatch(/name/);
    expect(registrationProblem('bob', 'ID', 'Bob\x1b')).toMatch(/name/);
    expect(registrationProblem('bob', 'ID', 'Bob the Builder')).toBeUndefined();
    expect(parseCommand('/register b! ID Bob')).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/user name/),
    });
    expect(parseCommand('/register bob ID Bob')).toEqual({
      kind: 'register',
      user: 'bob',
      country: 'ID',
      name: 'Bob',
    });
  });
});
