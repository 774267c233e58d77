/**
 * Request tags through the dispatcher (docs/PROTOCOL.md, *Request tags*): a frame `#tag REQUEST …` is answered as
 * `REQUEST …` would be, with `tag` added to every answer (OK and ERROR alike); frames without a tag answer exactly as
 * before, and pushes never carry a tag.
 */
import { describe, expect, it } from 'vitest';
import { encodeReply } from '../../shared/protocol/replies.js';
import { ERR, OK, useDispatcher } from '../support/dispatcher.js';

const t = await useDispatcher({ BUDGET_SENDS_BURST: '10000', BUDGET_TYPING_BURST: '2' });

const SLOW = 120_000;
const tagged = (answer: object, tag: string) => ({ ...answer, tag });

describe('a tagged request', () => {
  it('is answered with its tag, OK and ERROR, before and after AUTH', { timeout: SLOW }, async () => {
    const d = await t.device();
    expect(await d.ask('#p1 PING')).toEqual(tagged(OK('pong'), 'p1'));
    expect(await d.ask('#p1 ping')).toEqual(await d.ask('#p1   PING  '));
    expect(await d.ask('#u-2 HELLO world')).toEqual(
      tagged(ERR('request tidak dikenali', 'unknown_request'), 'u-2'),
    );
    expect(await d.ask('#e')).toEqual(tagged(ERR('request tidak dikenali', 'unknown_request'), 'e'));
    expect(await d.ask('#b_3 PING extra')).toEqual(tagged(ERR('ping gagal', 'bad_request'), 'b_3'));
    expect(await d.ask('#s4 SEND bob hi')).toEqual(
      tagged(ERR('pesan tidak terkirim', 'not_authenticated'), 's4'),
    );
    expect(await d.ask('#s5 SEND bob')).toEqual(tagged(ERR('pesan tidak terkirim', 'bad_request'), 's5'));
  });

  it('echoes the tag on a rate-limited answer, with retryAfter', { timeout: SLOW }, async () => {
    const frozen = await t.device('10.0.0.9', Date.now());
    await frozen.ask('TYPING nobody1');
    await frozen.ask('TYPING nobody1');
    const limited = await frozen.ask('#r9 TYPING nobody1');
    expect(limited).toMatchObject({ status: 'ERROR', reason: 'rate_limited', tag: 'r9' });
    expect(limited.retryAfter).toBeGreaterThan(0);
    expect(Object.keys(limited).at(-1)).toBe('tag');
  });

  it('is answered as its seed form is, tag aside; pushes carry no tag', { timeout: SLOW }, async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const sent = await alice.ask(`#m1 SEND ${bob.name} halo  #t dunia`);
    expect(sent).toMatchObject(tagged(OK('pesan terkirim'), 'm1'));
    const [push] = bob.pushes('MESSAGE');
    expect(push).toMatchObject({ from: alice.name, message: 'halo  #t dunia' });
    expect(push).not.toHaveProperty('tag');
    const history = await bob.ask(`#h HISTORY ${alice.name}`);
    expect(history.tag).toBe('h');
    const { tag: _, ...untagged } = history;
    expect(untagged).toEqual(await bob.ask(`HISTORY ${alice.name}`));
  });

  it('a seed-form frame answers byte for byte as before: no tag field', { timeout: SLOW }, async () => {
    const d = await t.device();
    expect(encodeReply(await d.ask('PING'))).toBe('{"status":"OK","data":"pong"}\r\n\r\n');
    expect(encodeReply(await d.ask('SEND bob'))).toBe(
      '{"status":"ERROR","data":"pesan tidak terkirim","reason":"bad_request"}\r\n\r\n',
    );
    // Not a valid tag: an unknown request, without a tag.
    for (const frame of ['# PING', `#${'a'.repeat(33)} PING`, '#a.b PING', '#a\tPING'])
      expect(encodeReply(await d.ask(frame))).toBe(
        '{"status":"ERROR","data":"request tidak dikenali","reason":"unknown_request"}\r\n\r\n',
      );
  });
});
