import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  decodeFrame,
  EXPLAINED_REASONS,
  explainReason,
  FrameSplitter,
  pushIdentity,
  SeenIds,
  safeFileName,
  safeToResend,
  toBase64,
} from '../../client/index.js';
import { REASONS } from '../../shared/protocol/replies.js';

const frames = [
  '{"status":"OK","data":"autentikasi berhasil"}',
  '{"event":"MESSAGE","id":"01A","from":"alice","to":"bob","message":"halo 👋 dünya","sentAt":"2026-11-27T10:00:00.000Z"}',
  '{"event":"BATCH","id":"01B","events":[{"event":"MESSAGE","id":"01B","from":"a","to":"b","message":"x","sentAt":"t"}]}',
];
const stream = frames.map((f) => `${f}\r\n\r\n`).join('');

describe('FrameSplitter', () => {
  it('gives the same frames however the text is cut into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const splitter = new FrameSplitter();
      const got = [...splitter.push(stream.slice(0, cut)), ...splitter.push(stream.slice(cut))];
      expect(got, `cut at ${cut}`).toEqual(frames);
    }
  });

  it('gives the same frames when bytes are cut anywhere, even inside a UTF-8 character', () => {
    const bytes = new TextEncoder().encode(stream);
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const splitter = new FrameSplitter();
      const got = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))];
      expect(got, `cut at byte ${cut}`).toEqual(frames);
    }
  });

  it('splits one chunk holding several frames, and keeps an unfinished tail for later', () => {
    const splitter = new FrameSplitter();
    expect(splitter.push(`${stream}{"status":"OK"`)).toEqual(frames);
    expect(splitter.push(',"data":"pong"}\r\n')).toEqual([]);
    expect(splitter.push('\r\n')).toEqual(['{"status":"OK","data":"pong"}']);
  });

  it('delivers byte chunks of three in order', () => {
    const bytes = new TextEncoder().encode(stream);
    const splitter = new FrameSplitter();
    const got: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) got.push(...splitter.push(bytes.subarray(i, i + 3)));
    expect(got).toEqual(frames);
  });
});

describe('decodeFrame', () => {
  it('tells answers from pushes and unpacks a BATCH, oldest first', () => {
    expect(decodeFrame(frames[0] as string)).toEqual({
      kind: 'answer',
      answer: { status: 'OK', data: 'autentikasi berhasil' },
    });
    const batch = decodeFrame(
      '{"event":"BATCH","id":"1","events":[{"event":"MESSAGE","id":"1"},{"event":"FILE","id":"2"},{"nope":1}]}',
    );
    expect(batch).toEqual({
      kind: 'pushes',
      pushes: [
        { event: 'MESSAGE', id: '1' },
        { event: 'FILE', id: '2' },
      ],
    });
  });

  it("reads API Gateway's own failure frame as an internal_error answer, and ignores what is not JSON", () => {
    expect(decodeFrame('{"message":"Internal server error"}')).toEqual({
      kind: 'answer',
      answer: { status: 'ERROR', data: 'Internal server error', reason: 'internal_error' },
    });
    expect(decodeFrame('not json')).toBeUndefined();
    expect(decodeFrame('[1,2]')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('SeenIds passes an id once and forgets the oldest beyond its capacity', () => {
    const seen = new SeenIds(2);
    expect([seen.fresh('a'), seen.fresh('a'), seen.fresh('b'), seen.fresh('c'), seen.fresh('a')]).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
  });

  it('pushIdentity tells an edit (per editedAt) and a deletion apart from the message they name', () => {
    const message = { event: 'MESSAGE', id: '01A' };
    const edit = (at: string) => ({ event: 'MESSAGE_EDITED', id: '01A', message: 'x', editedAt: at });
    const seen = new SeenIds();
    const ids = [message, edit('t1'), edit('t1'), edit('t2'), { event: 'MESSAGE_DELETED', id: '01A' }];
    expect(ids.map((push) => seen.fresh(pushIdentity(push)))).toEqual([true, true, false, true, true]);
    expect(pushIdentity({ event: 'READ', id: '01B' })).toBe('01B');
  });

  it('toBase64 matches Buffer for every length around the padding cases', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });

  it('backoff doubles to its cap and jitters between half and all of it', () => {
    expect(backoffMs(0, { random: () => 0 })).toBe(250);
    expect(backoffMs(0, { random: () => 0.999999 })).toBe(500);
    expect(backoffMs(3, { random: () => 0.999999 })).toBe(4000);
    expect(backoffMs(40, { random: () => 0.999999 })).toBe(30_000);
    expect(backoffMs(40, { random: () => 0 })).toBe(15_000);
  });

  it('explains every reason the server can give, and shows an unknown one as its code', () => {
    expect([...EXPLAINED_REASONS].sort()).toEqual([...REASONS].sort());
    expect(explainReason('invalid_credentials')).toBe('unknown user or wrong password');
    expect(explainReason('some_future_reason')).toBe('reason: some_future_reason');
  });

  it('resends only requests that are safe to repeat', () => {
    for (const line of [
      'PING',
      'HELP',
      'auth bob x',
      'HISTORY bob',
      'GROUP_MEMBERS g a',
      'SEND_FILE bob a.pdf',
      'BLOCK bob',
      'unblock bob',
      'BLOCKED',
    ])
      expect(safeToResend(line), line).toBe(true);
    for (const line of [
      'SEND bob hi',
      'send_group g hi',
      'SEND_FILE bob a.txt aGk=',
      'REGISTER a b c d',
      'GROUP_UNINVITE g bob',
      'FOO',
    ])
      expect(safeToResend(line), line).toBe(false);
  });

  it('safeFileName makes one protocol token', () => {
    expect(safeFileName('my report/..\\x.pdf')).toBe('my_report..x.pdf');
    expect(safeFileName('..')).toBe('file');
    expect(new TextEncoder().encode(safeFileName('é'.repeat(300))).length).toBeLessThanOrEqual(255);
  });
});
