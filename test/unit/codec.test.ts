import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charLength, frameText, parseRequest, splitParams, splitTag } from '../../shared/protocol/codec.js';
import {
  encodePush,
  encodeReply,
  FRAME_END,
  fail,
  fitsInFrame,
  MAX_FRAME_BYTES,
  ok,
  REASONS,
  withTag,
} from '../../shared/protocol/replies.js';
import { isGroupName, isPassword, isText, isUsername } from '../../shared/protocol/validation.js';

describe('parseRequest', () => {
  it('upper-cases the word and keeps the rest, trimmed, inner spaces kept', () => {
    expect(parseRequest('  send  bob   hello   world \r\n')).toEqual({
      word: 'SEND',
      rest: 'bob   hello   world',
    });
    expect(parseRequest('ping')).toEqual({ word: 'PING', rest: '' });
    expect(parseRequest('\uFEFFAUTH a b')).toEqual({ word: 'AUTH', rest: 'a b' });
    expect(parseRequest('')).toEqual({ word: '', rest: '' });
  });

  it('never throws and always yields a word without spaces and a rest that starts and ends with no space', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const { word, rest } = parseRequest(text);
        expect(word).not.toContain(' ');
        expect(rest).toBe(rest.trimEnd());
        expect(rest.startsWith(' ')).toBe(false);
      }),
    );
  });

  it('separates only with spaces: a tab, CR or LF between tokens joins them, as between parameters', () => {
    expect(parseRequest('SEND\tbob hello')).toEqual({ word: 'SEND\tBOB', rest: 'hello' });
    expect(parseRequest('AUTH\nalice pw')).toEqual({ word: 'AUTH\nALICE', rest: 'pw' });
    expect(parseRequest('SEND \tbob hello')).toEqual({ word: 'SEND', rest: '\tbob hello' });
    expect(splitParams(parseRequest('SEND \tbob hello').rest, 2, true)).toBeUndefined();
    expect(splitParams(parseRequest('SEND bob\thello').rest, 2, true)).toBeUndefined();
    // Inside the tail (the message) tabs and line breaks are kept.
    expect(splitParams(parseRequest('SEND bob \tline one\nline two\t').rest, 2, true)).toEqual([
      'bob',
      '\tline one\nline two',
    ]);
    // Edges are still trimmed of any white space.
    expect(parseRequest('\t PING \r\n')).toEqual({ word: 'PING', rest: '' });
  });
});

describe('parseRequest on frames found by the fuzzer (npm run fuzz)', () => {
  // A trailing-whitespace regex backtracked quadratically on a long inner run of spaces: this one frame took about
  // a minute of CPU (far past the 10 s Lambda timeout, and the test timeout).
  it('parses a frame of 120,000 inner spaces and tabs in one go', () => {
    const spaces = ' '.repeat(120_000);
    expect(parseRequest(`SEND bob ${spaces}x`)).toEqual({ word: 'SEND', rest: `bob ${spaces}x` });
    expect(parseRequest(`PING${spaces}!`)).toEqual({ word: 'PING', rest: '!' });
    const tabs = '\t'.repeat(120_000);
    // Tabs at the edges are trimmed; inside they are not separators (docs/PROTOCOL.md, Transport).
    expect(parseRequest(`${tabs}PING ${tabs}!${tabs}`)).toEqual({ word: 'PING', rest: `${tabs}!` });
  });

  it('trims exactly the characters of \\s and U+FEFF at the edges, and splits the word at the first space', () => {
    const edges = /^[\s\uFEFF]+|[\s\uFEFF]+$/g;
    const blank = fc.constantFrom(
      ' ',
      '\t',
      '\r',
      '\n',
      '\u00A0',
      '\u2028',
      '\u3000',
      '\uFEFF',
      '\u200B',
      '\u180E',
      'x',
      'y',
    );
    fc.assert(
      fc.property(fc.array(blank, { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        const line = text.replace(edges, '');
        const space = line.indexOf(' ');
        const expected =
          space === -1
            ? { word: line.toUpperCase(), rest: '' }
            : { word: line.slice(0, space).toUpperCase(), rest: line.slice(space).replace(/^ +/, '') };
        expect(parseRequest(text)).toEqual(expected);
      }),
    );
  });
});

describe('splitTag (request tags)', () => {
  it('takes a leading #tag and the spaces after it, and leaves the request in the seed form', () => {
    expect(splitTag('#a1 SEND bob hello  world')).toEqual({ tag: 'a1', text: 'SEND bob hello  world' });
    expect(splitTag('  #x_-Y9   ping \r\n')).toEqual({ tag: 'x_-Y9', text: 'ping' });
    expect(splitTag(`#${'z'.repeat(32)} PING`)).toEqual({ tag: 'z'.repeat(32), text: 'PING' });
    // A tag alone is a tagged empty request (answered unknown_request with the tag).
    expect(splitTag('#t')).toEqual({ tag: 't', text: '' });
  });

  it('leaves a frame without a valid tag exactly as it was', () => {
    for (const frame of [
      'SEND bob #t hi',
      'SEND bob hi #t',
      '#',
      '# PING',
      `#${'z'.repeat(33)} PING`,
      '#a.b PING',
      '#a\tPING',
      '#ä PING',
      '#a#b PING',
      ' REGISTER bob password1 ID #t nama',
    ])
      expect(splitTag(frame)).toEqual({ text: frame });
  });

  it('only a valid tag is taken, and the request after it parses as it would alone', () => {
    const tagChar = fc.constantFrom(...'abcXYZ019_-');
    fc.assert(
      fc.property(
        fc.string({ unit: tagChar, minLength: 1, maxLength: 32 }),
        fc.string({ unit: 'binary' }),
        (tag, req) => {
          const request = req.trim();
          const split = splitTag(`#${tag} ${request}`);
          expect(split.tag).toBe(tag);
          expect(parseRequest(split.text)).toEqual(parseRequest(request));
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (frame) => {
        const split = splitTag(frame);
        if (split.tag === undefined) expect(split.text).toBe(frame);
        else expect(split.tag).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
      }),
    );
  });

  it('a seed-form request never starts with #: no request word does', () => {
    expect(parseRequest('#t PING').word).toBe('#T');
  });

  it('withTag adds the tag as the last field, and nothing without one', () => {
    expect(encodeReply(withTag(ok('pong'), undefined))).toBe('{"status":"OK","data":"pong"}\r\n\r\n');
    expect(encodeReply(withTag(fail('pesan tidak terkirim', 'rate_limited', { retryAfter: 2 }), 'q7'))).toBe(
      '{"status":"ERROR","data":"pesan tidak terkirim","reason":"rate_limited","retryAfter":2,"tag":"q7"}\r\n\r\n',
    );
  });
});

describe('splitParams', () => {
  it('splits on runs of spaces and keeps the tail whole', () => {
    expect(splitParams('bob   hi  there', 2, true)).toEqual(['bob', 'hi  there']);
    expect(splitParams('a b', 2)).toEqual(['a', 'b']);
    expect(splitParams('a b c', 2)).toBeUndefined();
    expect(splitParams('a', 2)).toBeUndefined();
    expect(splitParams('', 1)).toBeUndefined();
    expect(splitParams('', 0)).toEqual([]);
    expect(splitParams('x', 0)).toBeUndefined();
    expect(splitParams('a\tb c', 2, true)).toBeUndefined();
  });

  it('gives back exactly the count asked for, and the parts rebuild the input', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 5 }), fc.boolean(), (text, count, tail) => {
        const params = splitParams(text, count, tail);
        if (params === undefined) return;
        expect(params).toHaveLength(count);
        expect(params.every((p) => p.length > 0)).toBe(true);
        expect(text.replace(/ +/g, ' ')).toBe(params.join(' ').replace(/ +/g, ' '));
      }),
    );
  });
});

describe('frames', () => {
  it('decodes base64 binary frames as UTF-8', () => {
    expect(frameText(Buffer.from('AUTH é', 'utf8').toString('base64'), true)).toBe('AUTH é');
    expect(frameText('plain', false)).toBe('plain');
    expect(frameText(undefined, false)).toBe('');
  });

  it('encodes any reply as one JSON object followed by exactly one terminator', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom(...REASONS), (data, reason) => {
        for (const frame of [encodeReply(ok(data)), encodeReply(fail(data, reason))]) {
          expect(frame.endsWith(FRAME_END)).toBe(true);
          expect(frame.indexOf(FRAME_END)).toBe(frame.length - FRAME_END.length);
          expect(JSON.parse(frame.slice(0, -FRAME_END.length)).data).toBe(data);
        }
      }),
    );
  });

  it('keeps the largest message push within one 128 KB message (API Gateway splits it into 32 KB frames)', () => {
    // 4,096 code points of the widest kind in JSON: four-byte emoji, or quote and backslash (escaped to two bytes).
    for (const unit of ['😀', '"', '\\', '\t']) {
      const push = encodePush({
        event: 'MESSAGE_EDITED',
        id: '01JD0000000000000000000000',
        from: 'u'.repeat(32),
        to: 'v'.repeat(32),
        message: unit.repeat(4096),
        sentAt: new Date(0).toISOString(),
        editedAt: new Date(0).toISOString(),
      });
      expect(Buffer.byteLength(push)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    }
  });

  it('knows which answers fit in one 128 KB message', () => {
    const envelope = encodeReply(ok('')).length;
    expect(fitsInFrame(ok('x'.repeat(MAX_FRAME_BYTES - envelope)))).toBe(true);
    expect(fitsInFrame(ok('x'.repeat(MAX_FRAME_BYTES - envelope + 1)))).toBe(false);
    expect(fitsInFrame(ok('é'.repeat((MAX_FRAME_BYTES - envelope) / 2 + 1)))).toBe(false);
  });

  it('puts event on pushes', () => {
    expect(encodePush({ event: 'MESSAGE', id: '1', message: 'x' })).toBe(
      '{"event":"MESSAGE","id":"1","message":"x"}\r\n\r\n',
    );
  });
});

describe('validation', () => {
  it('accepts names by the contract and nothing else', () => {
    expect(isUsername('ab')).toBe(false);
    expect(isUsername('a.b-c_9')).toBe(true);
    expect(isUsername('x'.repeat(32))).toBe(true);
    expect(isUsername('x'.repeat(33))).toBe(false);
    expect(isUsername('bad name')).toBe(false);
    expect(isUsername('bädname')).toBe(false);
    expect(isGroupName('g')).toBe(true);
    expect(isGroupName('g'.repeat(65))).toBe(false);
    expect(isPassword('1234567')).toBe(false);
    expect(isPassword('12345678')).toBe(true);
    expect(isPassword('1234 5678')).toBe(false);
    expect(isText('a\r\nb', 10)).toBe(true);
    expect(isText('a\u0000b', 10)).toBe(false);
    expect(isText('', 10)).toBe(false);
  });

  it('counts emoji as one character', () => {
    expect(charLength('😀a')).toBe(2);
  });
});
