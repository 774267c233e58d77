/**
 * The small pure parts of shared/: ids, keys, batching, job messages, frames, file names, validation and replies.
 * Each expectation pins a bound or a branch a plausible slip would move (npm run test:mutation finds the ones left).
 */
import { describe, expect, it } from 'vitest';
import { chunk, mapLimit } from '../../shared/concurrency.js';
import { directPk, keys, prefixEnd, prefixes } from '../../shared/data/keys.js';
import { BATCH_FRAME_BYTES, batchBytes, frameOf } from '../../shared/delivery/frames.js';
import { contentTypeOf, decodeBase64, isFilename, objectKey, uploadIdOf } from '../../shared/files/names.js';
import { idCeil, idFloor, idTime, newId } from '../../shared/ids.js';
import { splitParams } from '../../shared/protocol/codec.js';
import { type GroupKey, groupKeyOf, type UserKey, userKeyOf } from '../../shared/protocol/names.js';
import {
  CommandError,
  encodePush,
  fail,
  fitsInFrame,
  LIST_BUDGET_BYTES,
  MAX_FRAME_BYTES,
  ok,
  prefixThatFits,
} from '../../shared/protocol/replies.js';
import {
  isCountry,
  isGroupName,
  isPassword,
  isText,
  isUsername,
  LIMITS,
} from '../../shared/protocol/validation.js';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
const { parseJob, retryDelaySeconds } = await import('../../shared/queue/jobs.js');

describe('ids', () => {
  it('encode the millisecond in 10 Crockford characters and 16 random ones, sorting by time', () => {
    const id = newId(1_700_000_000_123);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(idTime(id)).toBe(1_700_000_000_123);
    expect(newId(1).slice(0, 10)).toBe('0000000001');
    expect(newId(32).slice(0, 10)).toBe('0000000010');
    expect(newId(31).slice(0, 10)).toBe('000000000Z');
    expect(newId(2 ** 48 - 1).slice(0, 10)).toBe('7ZZZZZZZZZ');
    expect(newId(5) < newId(6)).toBe(true);
  });

  it('use all 80 random bits: the tail varies over the whole alphabet', () => {
    const tails = new Set<string>();
    const firsts = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const tail = newId(0).slice(10);
      tails.add(tail);
      firsts.add(tail[0] as string);
      expect(tail).toHaveLength(16);
    }
    expect(tails.size).toBe(400);
    // The first tail character carries the top 5 of the 80 bits: all 32 values show up in 400 draws.
    expect(firsts.size).toBe(32);
  });

  it('bound every id of a millisecond from below and above', () => {
    const ms = 1_700_000_000_000;
    expect(idFloor(ms)).toBe(`${newId(ms).slice(0, 10)}${'0'.repeat(16)}`);
    expect(idCeil(ms)).toBe(`${newId(ms).slice(0, 10)}${'Z'.repeat(16)}`);
    for (let i = 0; i < 20; i++) {
      const id = newId(ms);
      expect(idFloor(ms) <= id && id <= idCeil(ms)).toBe(true);
      expect(idCeil(ms - 1) < id && id < idFloor(ms + 1)).toBe(true);
    }
    expect(idFloor(-5)).toBe('0'.repeat(26));
    expect(idCeil(-5)).toBe(`${'0'.repeat(10)}${'Z'.repeat(16)}`);
    expect(idTime(idCeil(ms))).toBe(ms);
  });
});

describe('keys', () => {
  it('give one conversation per pair, whoever is first', () => {
    expect(directPk('alice', 'bob')).toBe('DM#alice#bob');
    expect(directPk('bob', 'alice')).toBe('DM#alice#bob');
    expect(directPk('ann', 'ann')).toBe('DM#ann#ann');
    expect(keys.directMessage('bob', 'alice', 'X')).toEqual({ pk: 'DM#alice#bob', sk: 'MSG#X' });
  });

  it('lay items out as docs/DATA_MODEL.md draws them (stored data depends on it)', () => {
    expect(keys.user('u')).toEqual({ pk: 'USER#u', sk: '#PROFILE' });
    expect(keys.userConnection('u', 'c')).toEqual({ pk: 'USER#u', sk: '#CONN#c' });
    expect(keys.userGroup('u', 'g')).toEqual({ pk: 'USER#u', sk: 'GROUP#g' });
    expect(keys.catchUpProgress('u')).toEqual({ pk: 'USER#u', sk: 'PROGRESS' });
    expect(keys.connection('c')).toEqual({ pk: 'CONN#c', sk: 'CONN' });
    expect(keys.group('g')).toEqual({ pk: 'GROUP#g', sk: 'META' });
    expect(keys.groupMember('g', 'u')).toEqual({ pk: 'GROUP#g', sk: 'MEMBER#u' });
    expect(keys.groupMessage('g', 'i')).toEqual({ pk: 'GMSG#g', sk: 'MSG#i' });
    expect(keys.inbox('u', 'i')).toEqual({ pk: 'INBOX#u', sk: 'MSG#i' });
    expect(keys.authFailures('user', 'u', 7)).toEqual({ pk: 'AUTHFAIL#user#u', sk: 'W#7' });
    expect(keys.file('i')).toEqual({ pk: 'FILE#i', sk: 'FILE' });
    expect(keys.addressBudget('1.2.3.4', 'auth', 7)).toEqual({ pk: 'LIMIT#ip#1.2.3.4#auth', sk: 'W#7' });
    expect(keys.watcher('u', 'c')).toEqual({ pk: 'WATCHERS#u', sk: 'CONN#c' });
    expect(keys.watching('c', 'u')).toEqual({ pk: 'CONN#c', sk: 'WATCH#u' });
    expect(keys.groupJoined('g', 'T', 'u')).toEqual({ pk: 'GROUP#g', sk: 'JOINED#T#u' });
    expect(keys.groupInvite('g', 'u')).toEqual({ pk: 'GROUP#g', sk: 'INVITE#u' });
    expect(keys.messageRef('i')).toEqual({ pk: 'MSGREF#i', sk: 'REF' });
    expect(keys.readCursor('DM#a#b', 'u')).toEqual({ pk: 'DM#a#b', sk: 'READ#u' });
    expect(keys.sendClaim('u', 'k')).toEqual({ pk: 'SENDID#u#k', sk: 'CLAIM' });
    expect(keys.userFile('u', 'i')).toEqual({ pk: 'UFILE#u', sk: 'FILE#i' });
    expect(keys.block('u', 'v')).toEqual({ pk: 'BLOCKS#u', sk: 'USER#v' });
    expect(keys.blockCount('u')).toEqual({ pk: 'BLOCKS#u', sk: '#COUNT' });
    expect(keys.watcherCount('u')).toEqual({ pk: 'WATCHERS#u', sk: '#COUNT' });
    // The counters sort outside the ranges read beside them (blocks, watcher pages).
    expect(keys.blockCount('u').sk.startsWith(prefixes.blocked)).toBe(false);
    expect(keys.watcherCount('u').sk.startsWith(prefixes.watcher)).toBe(false);
    expect(prefixes).toEqual({
      userHead: '#',
      userConnection: '#CONN#',
      group: 'GROUP#',
      member: 'MEMBER#',
      groupConnection: 'PRESENCE#',
      departure: 'OFF#',
      message: 'MSG#',
      watcher: 'CONN#',
      watching: 'WATCH#',
      joined: 'JOINED#',
      invite: 'INVITE#',
      blocked: 'USER#',
      conversationEntry: 'AT#',
    });
    expect(keys.conversation('a', 'b')).toEqual({ pk: 'CONVS#a', sk: 'WITH#b' });
    expect(keys.conversationEntry('a', '2026-12-07T20', 'b')).toEqual({
      pk: 'CONVS#a',
      sk: 'AT#2026-12-07T20#b',
    });
    expect(keys.user('u').sk.startsWith(prefixes.userHead)).toBe(true);
    expect(keys.userConnection('u', 'c').sk.startsWith(prefixes.userHead)).toBe(true);
  });

  it('end a prefix range after every key that starts with it', () => {
    expect(prefixEnd('MSG#')).toBe('MSG#\uffff');
    expect('MSG#ZZZZ' < prefixEnd('MSG#')).toBe(true);
    expect('MSH' > prefixEnd('MSG#')).toBe(true);
  });

  it('keep every kind of item apart', () => {
    const all = [
      keys.user('u'),
      keys.userConnection('u', 'c'),
      keys.userGroup('u', 'g'),
      keys.catchUpProgress('u'),
      keys.connection('c'),
      keys.group('g'),
      keys.groupMember('g', 'u'),
      keys.groupConnection('g', 'u', 'c'),
      keys.groupDeparture('g', 'x', 'u'),
      keys.groupMessage('g', 'i'),
      keys.inbox('u', 'i'),
      keys.authFailures('user', 'u', 1),
      keys.authFailures('ip', 'u', 1),
      keys.authFailures('pair', 'u', 1),
      keys.authFailures('device', 'u', 1),
      keys.authFailures('session', 'u', 1),
      keys.authKnown('u'),
      keys.hashSlots('a'),
      keys.file('i'),
      keys.addressBudget('a', 'auth', 1),
      keys.watcher('u', 'c'),
      keys.watching('c', 'u'),
      keys.groupJoined('g', 'T', 'u'),
      keys.groupInvite('g', 'u'),
      keys.messageRef('i'),
      keys.readCursor(keys.groupMessage('g', 'i').pk, 'u'),
      keys.sendClaim('u', 'k'),
      keys.userFile('u', 'i'),
      keys.block('u', 'v'),
      keys.blockCount('u'),
      keys.watcherCount('u'),
    ].map((k) => `${k.pk}|${k.sk}`);
    expect(new Set(all).size).toBe(all.length);
    expect(keys.groupConnection('g', 'u', 'c')).toEqual({ pk: 'GROUP#g', sk: 'PRESENCE#u#c' });
    expect(keys.groupDeparture('g', 'x', 'u')).toEqual({ pk: 'GROUP#g', sk: 'OFF#x#u' });
    expect(keys.authFailures('ip', '1.2.3.4', 2)).toEqual({ pk: 'AUTHFAIL#ip#1.2.3.4', sk: 'W#2' });
    expect(keys.authKnown('u')).toEqual({ pk: 'AUTHKNOWN#u', sk: 'KNOWN' });
    expect(keys.hashSlots('1.2.3.4')).toEqual({ pk: 'LIMIT#ip#1.2.3.4#hashing', sk: 'INFLIGHT' });
  });
});

describe('concurrency', () => {
  it('chunks keep order and cut at the size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([1, 2], 2)).toEqual([[1, 2]]);
    expect(chunk([], 3)).toEqual([]);
  });

  it('mapLimit keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
    expect(await mapLimit([], 4, async (n: number) => n)).toEqual([]);
    let calls = 0;
    expect(
      await mapLimit([1, 2, 3], 10, async (n) => {
        calls++;
        return n;
      }),
    ).toEqual([1, 2, 3]);
    expect(calls).toBe(3);
  });
});

describe('frames', () => {
  const push = (id: string) => ({ event: 'MESSAGE', id, from: 'a', text: 'hi' });
  it('send one push as itself and several as one BATCH with the first id', () => {
    expect(frameOf([push('1')])).toBe(encodePush(push('1')));
    expect(JSON.parse(frameOf([push('1'), push('2')]).trimEnd())).toEqual({
      event: 'BATCH',
      id: '1',
      events: [push('1'), push('2')],
    });
    expect(() => frameOf([])).toThrow('a frame needs at least one push');
  });
  it('count a push as its JSON and a comma', () => {
    expect(batchBytes(push('é'))).toBe(Buffer.byteLength(JSON.stringify(push('é'))) + 1);
    expect(BATCH_FRAME_BYTES).toBe(32 * 1024);
  });
});

describe('jobs', () => {
  it('retry after 1, 2, 4 … seconds, at most 5 minutes', () => {
    expect([0, 1, 2, 3, 4, 9, 10, 50].map(retryDelaySeconds)).toEqual([1, 1, 2, 4, 8, 256, 300, 300]);
  });
  it('read only well-formed jobs', () => {
    const fanout = { kind: 'fanout', group: 'g', id: 'i', sender: 's', after: '' };
    const catchup = { kind: 'catchup', user: 'u', connectionId: 'c', boundary: 'b' };
    expect(parseJob(JSON.stringify(fanout))).toEqual(fanout);
    expect(parseJob(JSON.stringify(catchup))).toEqual(catchup);
    for (const field of ['group', 'id', 'sender', 'after'])
      expect(parseJob(JSON.stringify({ ...fanout, [field]: 1 }))).toBeUndefined();
    for (const field of ['user', 'connectionId', 'boundary'])
      expect(parseJob(JSON.stringify({ ...catchup, [field]: null }))).toBeUndefined();
    expect(parseJob(JSON.stringify({ ...catchup, kind: 'fanout' }))).toBeUndefined();
    expect(parseJob(JSON.stringify({ ...fanout, kind: 'catchup' }))).toBeUndefined();
    expect(parseJob('null')).toBeUndefined();
    expect(parseJob('"fanout"')).toBeUndefined();
    expect(parseJob('{')).toBeUndefined();
  });
});

describe('file names', () => {
  it('take 1 to 255 bytes, no separators, controls, C1 or line separators', () => {
    expect(isFilename('a')).toBe(true);
    expect(isFilename('a'.repeat(255))).toBe(true);
    expect(isFilename('a'.repeat(256))).toBe(false);
    expect(isFilename(`${'é'.repeat(127)}a`)).toBe(true);
    expect(isFilename('é'.repeat(128))).toBe(false);
    expect(isFilename('')).toBe(false);
    for (const bad of [
      '.',
      '..',
      'a/b',
      'a\\b',
      'a\uFFFDb',
      'a\u001fb',
      'a\u007fb',
      'a\u009fb',
      'a\u0080b',
      'a\u2028b',
      'a\u2029b',
    ])
      expect(isFilename(bad), JSON.stringify(bad)).toBe(false);
    for (const good of ['...', 'a b.txt', 'a\u00a0b', 'a\u0020b', 'a~b', 'a\u2027b', 'a\u2030b'])
      expect(isFilename(good), JSON.stringify(good)).toBe(true);
  });

  it('make keys inside their own folder and read back only keys obrol made', () => {
    const id = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expect(objectKey('uploads', id, 'a b/../c.txt')).toBe(`uploads/${id}/a%20b%2F..%2Fc.txt`);
    expect(uploadIdOf(objectKey('uploads', id, 'x.txt'))).toBe(id);
    expect(uploadIdOf(objectKey('files', id, 'x.txt'))).toBeUndefined();
    expect(uploadIdOf(`uploads/${id}/a/b`)).toBeUndefined();
    expect(uploadIdOf(`uploads/${id}/`)).toBeUndefined();
    expect(uploadIdOf(`x/uploads/${id}/a`)).toBeUndefined();
    expect(uploadIdOf(`uploads/${id.slice(1)}/a`)).toBeUndefined();
    expect(uploadIdOf(`uploads/${id.toLowerCase()}/a`)).toBeUndefined();
  });

  it('type files by their extension, whatever its case', () => {
    expect(contentTypeOf('a.PDF')).toBe('application/pdf');
    expect(contentTypeOf('a.tar.jpeg')).toBe('image/jpeg');
    expect(contentTypeOf('a.exe')).toBe('application/octet-stream');
    expect(contentTypeOf('pdf')).toBe('application/octet-stream');
    expect(contentTypeOf('a.pdf.')).toBe('application/octet-stream');
  });

  it('decode only strict base64', () => {
    expect(decodeBase64('aGk=')?.toString()).toBe('hi');
    expect(decodeBase64('aGk')?.toString()).toBe('hi');
    expect(decodeBase64('aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeBase64('aA==')?.toString()).toBe('h');
    expect(decodeBase64('')?.length).toBe(0);
    for (const bad of ['a', 'aGk===', 'aG k=', 'aGk-', 'aGl=', 'a=b=', 'aGk=\n'])
      expect(decodeBase64(bad), bad).toBeUndefined();
  });
});

describe('validation', () => {
  it('bounds usernames and group names', () => {
    expect(isUsername('abc')).toBe(true);
    expect(isUsername('ab')).toBe(false);
    expect(isUsername('a'.repeat(32))).toBe(true);
    expect(isUsername('a'.repeat(33))).toBe(false);
    expect(isUsername('a-b.c_D9')).toBe(true);
    expect(isUsername('ab c')).toBe(false);
    expect(isUsername('abé')).toBe(false);
    expect(isGroupName('g')).toBe(true);
    expect(isGroupName('')).toBe(false);
    expect(isGroupName('g'.repeat(64))).toBe(true);
    expect(isGroupName('g'.repeat(65))).toBe(false);
    expect(isGroupName('a/b')).toBe(false);
  });

  it('bounds passwords and countries in characters', () => {
    expect(isPassword('12345678')).toBe(true);
    expect(isPassword('1234567')).toBe(false);
    expect(isPassword('😀'.repeat(8))).toBe(true);
    expect(isPassword('p'.repeat(128))).toBe(true);
    expect(isPassword('p'.repeat(129))).toBe(false);
    expect(isPassword('1234 5678')).toBe(false);
    expect(isCountry('I')).toBe(true);
    expect(isCountry('')).toBe(false);
    expect(isCountry('c'.repeat(64))).toBe(true);
    expect(isCountry('😀'.repeat(64))).toBe(true);
    expect(isCountry('c'.repeat(65))).toBe(false);
    expect(isCountry('New Zealand')).toBe(false);
    expect(isCountry('a\u0000')).toBe(false);
    expect(isCountry('a\u0085')).toBe(false);
  });

  it('accepts text with tab, CR and LF, and no other control', () => {
    expect(isText('a', 5)).toBe(true);
    expect(isText('', 5)).toBe(false);
    expect(isText('abcde', 5)).toBe(true);
    expect(isText('abcdef', 5)).toBe(false);
    expect(isText('😀😀😀😀😀', 5)).toBe(true);
    expect(isText('a\tb\r\nc', 10)).toBe(true);
    for (const code of [0x00, 0x08, 0x0b, 0x0c, 0x0e, 0x1f, 0x7f])
      expect(isText(`a${String.fromCharCode(code)}b`, 10), code.toString(16)).toBe(false);
    expect(isText(`${String.fromCharCode(0x7f)}`, 10)).toBe(false);
    expect(isText('a\u0001', 10)).toBe(false);
    expect(isText('a b\u0080~', 10)).toBe(true);
    expect(LIMITS.messageMax).toBe(4096);
  });

  it('folds names to lower case keys', () => {
    expect(userKeyOf('AliCE')).toBe('alice');
    expect(groupKeyOf('Kantor.Pusat')).toBe('kantor.pusat');
  });

  it('keeps names and the two kinds of key apart for the compiler (npm run typecheck checks these lines)', () => {
    const group: GroupKey = groupKeyOf('Kantor');
    // @ts-expect-error a name is not a key until userKeyOf makes one
    const fromName: UserKey = 'alice';
    // @ts-expect-error a group's key is not a user's
    const crossed: UserKey = group;
    const asText: string = userKeyOf('Alice');
    expect([fromName, crossed, asText]).toEqual(['alice', 'kantor', 'alice']);
  });
});

describe('replies', () => {
  it('build OK and ERROR replies', () => {
    expect(ok('x', { n: 1 })).toEqual({ status: 'OK', data: 'x', n: 1 });
    expect(ok(['a'])).toEqual({ status: 'OK', data: ['a'] });
    expect(fail('gagal', 'bad_request')).toEqual({ status: 'ERROR', data: 'gagal', reason: 'bad_request' });
    expect(fail('gagal', 'rate_limited', { retryAfter: 3 })).toEqual({
      status: 'ERROR',
      data: 'gagal',
      reason: 'rate_limited',
      retryAfter: 3,
    });
    const error = new CommandError('too_many_attempts', { retryAfter: 9 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CommandError');
    expect(error.message).toBe('too_many_attempts');
    expect(error.reason).toBe('too_many_attempts');
    expect(error.extra).toEqual({ retryAfter: 9 });
    expect(new CommandError('bad_request').extra).toEqual({});
  });

  it('fit a reply in one frame up to exactly 128 KB', () => {
    const envelope = Buffer.byteLength(`${JSON.stringify(ok(''))}\r\n\r\n`);
    expect(fitsInFrame(ok('a'.repeat(MAX_FRAME_BYTES - envelope)))).toBe(true);
    expect(fitsInFrame(ok('a'.repeat(MAX_FRAME_BYTES - envelope + 1)))).toBe(false);
    expect(fitsInFrame(ok('é'.repeat((MAX_FRAME_BYTES - envelope) / 2 + 1)))).toBe(false);
  });

  it('cut lists at whole items within the budget', () => {
    expect(prefixThatFits(['aa', 'bb', 'cc'], 10)).toEqual(['aa', 'bb']);
    expect(prefixThatFits(['aa', 'bb', 'cc'], 15)).toEqual(['aa', 'bb', 'cc']);
    expect(prefixThatFits(['aa', 'bb', 'cc'], 14)).toEqual(['aa', 'bb']);
    expect(prefixThatFits(['éé'], 7)).toEqual(['éé']);
    expect(prefixThatFits(['éé'], 6)).toEqual([]);
    expect(prefixThatFits(['aa', 'b', 'cc'], 5)).toEqual(['aa']);
    const many = Array.from({ length: 20_000 }, (_, i) => `item-${i}`);
    const kept = prefixThatFits(many);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(many.length);
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(LIST_BUDGET_BYTES + 1);
    expect(Buffer.byteLength(JSON.stringify(many.slice(0, kept.length + 1)))).toBeGreaterThan(
      LIST_BUDGET_BYTES,
    );
    // A list fills most of an answer frame, and the whole answer still fits one.
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeGreaterThan(0.9 * MAX_FRAME_BYTES);
    expect(fitsInFrame(ok(kept))).toBe(true);
  });
});

describe('splitParams', () => {
  it('refuses an empty parameter at either end and whitespace inside any but the tail', () => {
    expect(splitParams('bob ', 2)).toBeUndefined();
    expect(splitParams('bob ', 2, true)).toBeUndefined();
    expect(splitParams(' bob hi', 2)).toBeUndefined();
    expect(splitParams(' bob hi', 2, true)).toBeUndefined();
    expect(splitParams('a\tb c d', 3)).toBeUndefined();
    expect(splitParams('a b\tc d', 3)).toBeUndefined();
    expect(splitParams('a b c\td', 3, true)).toEqual(['a', 'b', 'c\td']);
    expect(splitParams('a  b', 2)).toEqual(['a', 'b']);
    expect(splitParams('', 1)).toBeUndefined();
    expect(splitParams('', 0)).toEqual([]);
    expect(splitParams('x', 0)).toBeUndefined();
    expect(splitParams('a', 2)).toBeUndefined();
  });
});
