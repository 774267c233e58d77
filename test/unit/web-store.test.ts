import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REASONS } from '../../shared/protocol/replies.js';
import { STRINGS } from '../../web/src/i18n.js';
import {
  addItems,
  applyChange,
  applyReceipts,
  type Conversation,
  ensure,
  findItem,
  type Item,
  keyOf,
  noteActivity,
  placeOf,
  removeItem,
  sorted,
  ulidTime,
} from '../../web/src/store.js';

const conv = (): Conversation => ({
  key: 'user:bob',
  kind: 'user',
  name: 'bob',
  items: [],
  unread: 0,
  next: undefined,
});

describe('web page messages', () => {
  it('has a message for every reason the server can answer, in Indonesian and English', () => {
    for (const reason of REASONS) {
      expect(STRINGS.id.reasons[reason], reason).toMatch(/\S/);
      expect(STRINGS.en.reasons[reason], reason).toMatch(/\S/);
      expect(STRINGS.id.reasons[reason]).not.toBe(STRINGS.en.reasons[reason]);
    }
    expect(Object.keys(STRINGS.id.reasons).sort()).toEqual([...REASONS].sort());
  });
});

describe('web page store', () => {
  it('places private pushes under the other person, whichever side sent them, and group pushes under the group', () => {
    const incoming = placeOf(
      { event: 'MESSAGE', id: '01A', from: 'Bob', to: 'alice', message: 'hi', sentAt: 'x' },
      'alice',
    );
    expect(incoming).toMatchObject({ kind: 'user', name: 'Bob', item: { text: 'hi', from: 'Bob' } });
    const mine = placeOf(
      { event: 'MESSAGE', id: '01B', from: 'ALICE', to: 'bob', message: 'yo', sentAt: 'x' },
      'alice',
    );
    expect(mine).toMatchObject({ kind: 'user', name: 'bob' });
    const group = placeOf(
      {
        event: 'GROUP_FILE',
        id: '01C',
        group: 'kantor',
        from: 'bob',
        filename: 'a.png',
        size: 3,
        contentType: 'image/png',
        sentAt: 'x',
        url: 'u',
        expiresAt: 'e',
      },
      'alice',
    );
    expect(group).toMatchObject({
      kind: 'group',
      name: 'kantor',
      item: { file: { filename: 'a.png', url: 'u' } },
    });
    const sent = placeOf(
      { event: 'FILE_SENT', id: '01D', to: 'bob', filename: 'b.bin', size: 9, sentAt: 'x' },
      'alice',
    );
    expect(sent).toMatchObject({
      kind: 'user',
      name: 'bob',
      item: { from: 'alice', file: { filename: 'b.bin' } },
    });
    expect(placeOf({ event: 'FILE_FAILED', id: '01E', reason: 'too_large' }, 'alice')).toBeUndefined();
  });

  it('shows a message seen twice (a repeated push, or again in a history page) once, in id order', () => {
    const c = conv();
    const item = (id: string) => ({ id, from: 'bob', sentAt: '2026-11-27T10:00:00.000Z', text: id });
    expect(addItems(c, [item('01B'), item('01A')])).toBe(2);
    expect(addItems(c, [item('01A'), item('01C')])).toBe(1);
    expect(c.items.map((i) => i.id)).toEqual(['01A', '01B', '01C']);
  });

  it('replaces the local copy of a sent message by the stored one from history', () => {
    const c = conv();
    const sentAt = '2026-11-27T10:00:00.000Z';
    addItems(c, [{ id: 'local-1', from: 'alice', sentAt, text: 'halo', local: true }]);
    const id = `${ulidTime(Date.parse(sentAt))}ABCDEFGHJKMNPQRS`;
    expect(addItems(c, [{ id, from: 'alice', sentAt, text: 'halo' }])).toBe(0);
    expect(c.items).toEqual([{ id, from: 'alice', sentAt, text: 'halo' }]);
  });

  it('keeps the fresher file link when a file is seen again without one', () => {
    const c = conv();
    const file = { filename: 'a', size: 1, contentType: 'text/plain' };
    addItems(c, [{ id: '01A', from: 'bob', sentAt: 'x', file: { ...file, url: 'https://signed' } }]);
    addItems(c, [{ id: '01A', from: 'bob', sentAt: 'x', file }]);
    expect(c.items[0]?.file?.url).toBe('https://signed');
  });

  it('sorts local items among stored ones by time (a ULID starts with its time)', () => {
    expect(ulidTime(0)).toBe('0000000000');
    expect(ulidTime(Date.parse('2026-11-27T10:00:00Z')) < ulidTime(Date.parse('2026-11-27T10:00:01Z'))).toBe(
      true,
    );
    const c = conv();
    addItems(c, [
      { id: 'local-1', from: 'alice', sentAt: '2026-11-27T10:00:01.000Z', text: 'later', local: true },
    ]);
    addItems(c, [
      {
        id: `${ulidTime(Date.parse('2026-11-27T10:00:00Z'))}0000000000000000`,
        from: 'bob',
        sentAt: 'x',
        text: 'earlier',
      },
    ]);
    expect(c.items.map((i) => i.text)).toEqual(['earlier', 'later']);
  });

  it('finds a conversation by name ignoring case', () => {
    const convs = new Map<string, Conversation>();
    const a = ensure(convs, 'user', 'Bob');
    expect(ensure(convs, 'user', 'bob')).toBe(a);
    expect(keyOf('group', 'Kantor')).toBe('group:kantor');
    expect(convs.size).toBe(1);
  });
});

describe('web page edits and deletions', () => {
  it('changes the item of that id in place, and shows HISTORY tombstones and edits', () => {
    const convs = new Map<string, Conversation>();
    const bob = ensure(convs, 'user', 'bob');
    const base = { event: 'MESSAGE', from: 'bob', to: 'alice', sentAt: 'x' };
    for (const [id, message] of [
      ['01A', 'satu'],
      ['01B', 'dua'],
    ] as const) {
      addItems(bob, [placeOf({ ...base, id, message }, 'alice')?.item as never]);
    }
    expect(applyChange(convs, { event: 'MESSAGE_EDITED', id: '01A', message: 'satu!', editedAt: 'y' })).toBe(
      bob,
    );
    expect(applyChange(convs, { event: 'MESSAGE_DELETED', id: '01B' })).toBe(bob);
    expect(bob.items).toEqual([
      { id: '01A', from: 'bob', sentAt: 'x', text: 'satu!', edited: true },
      { id: '01B', from: 'bob', sentAt: 'x', deleted: true },
    ]);
    expect(applyChange(convs, { event: 'MESSAGE_DELETED', id: '01Z' })).toBeUndefined();
    expect(applyChange(convs, { event: 'READ', id: '01C' })).toBeUndefined();
    expect(placeOf({ ...base, id: '01C', deleted: true }, 'alice')).toEqual({
      kind: 'user',
      name: 'bob',
      item: { id: '01C', from: 'bob', sentAt: 'x', deleted: true },
    });
    expect(placeOf({ ...base, id: '01D', message: 'm', editedAt: 'y' }, 'alice')?.item).toMatchObject({
      text: 'm',
      edited: true,
    });
  });
});

describe('web page store, indexed (a new message costs the same at 20 or 20,000 loaded)', () => {
  const T0 = Date.parse('2026-11-27T10:00:00Z');
  const stored = (ms: number, n: number, text: string): Item => ({
    id: `${ulidTime(T0 + ms)}${String(n).padStart(16, '0')}`,
    from: 'bob',
    sentAt: new Date(T0 + ms).toISOString(),
    text,
  });
  const ops = fc.array(
    fc.oneof(
      fc.record({
        op: fc.constant('add' as const),
        ms: fc.nat(50),
        n: fc.nat(30),
        text: fc.constantFrom('a', 'b'),
      }),
      fc.record({ op: fc.constant('local' as const), ms: fc.nat(50), text: fc.constantFrom('a', 'b') }),
      fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
    ),
    { maxLength: 60 },
  );

  it('keeps the items sorted, each id once, each findable, whatever the order of adds, repeats and removals', () => {
    fc.assert(
      fc.property(ops, (steps) => {
        const c = conv();
        let locals = 0;
        for (const step of steps) {
          if (step.op === 'add') addItems(c, [stored(step.ms, step.n, step.text)]);
          else if (step.op === 'local') {
            const sentAt = new Date(T0 + step.ms).toISOString();
            addItems(c, [{ id: `local-${++locals}`, from: 'bob', sentAt, text: step.text, local: true }]);
          } else if (c.items.length > 0) removeItem(c, c.items[step.pick % c.items.length] as Item);
        }
        const ids = c.items.map((i) => i.id);
        expect(new Set(ids).size).toBe(ids.length);
        const keys = c.items.map((i) => (i.local ? `${ulidTime(Date.parse(i.sentAt))}~${i.id}` : i.id));
        expect(keys).toEqual([...keys].sort());
        for (const [at, item] of c.items.entries()) expect(findItem(c, item.id)).toBe(at);
        expect(findItem(c, 'missing')).toBe(-1);
      }),
    );
  });

  it('appends a message arriving last without reading the others (the index answers)', () => {
    const c = conv();
    for (let i = 0; i < 20_000; i++) addItems(c, [stored(i, 0, `m${i}`)]);
    // A read of every item would cost 20,000 steps per message: count the item reads the next add makes.
    let reads = 0;
    const items = c.items;
    c.items = new Proxy(items, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
        return Reflect.get(target, prop, receiver);
      },
    });
    expect(addItems(c, [stored(20_000, 0, 'new')])).toBe(1);
    expect(reads).toBeLessThan(400);
    expect(c.items.at(-1)?.text).toBe('new');
  });
});

describe('the sidebar order with the server listing (CONVERSATIONS)', () => {
  it('puts a listed conversation by its newest message until messages are loaded, then by the later of both', () => {
    const convs = new Map<string, Conversation>();
    const bob = ensure(convs, 'user', 'bob');
    const carol = ensure(convs, 'user', 'carol');
    ensure(convs, 'group', 'kantor');
    noteActivity(bob, '2026-12-07T10:00:00.000Z');
    noteActivity(carol, '2026-12-07T11:00:00.000Z');
    noteActivity(carol, '2026-12-07T09:00:00.000Z'); // an older listing never moves it back
    expect(sorted(convs).map((c) => c.name)).toEqual(['carol', 'bob', 'kantor']);
    addItems(bob, [{ id: 'b1', from: 'bob', sentAt: '2026-12-07T12:00:00.000Z', text: 'hi' } as Item]);
    expect(sorted(convs).map((c) => c.name)).toEqual(['bob', 'carol', 'kantor']);
  });
});

describe('receipts on your own private messages (issue 23)', () => {
  it('go sent → delivered → read, only forward, never on others’ messages or ones still sending', () => {
    const convs = new Map<string, Conversation>();
    const bob = ensure(convs, 'user', 'bob');
    const mine = (id: string, extra: Partial<Item> = {}) =>
      ({ id, from: 'Alice', sentAt: '2026-12-07T10:00:00.000Z', text: id, ...extra }) as Item;
    addItems(bob, [mine('A1'), mine('A2', { delivered: true }), mine('A3'), { ...mine('B1'), from: 'bob' }]);
    addItems(bob, [mine('local-1', { local: true })]);
    expect(applyReceipts(bob, 'alice').map((i) => [i.id, i.receipt])).toEqual([
      ['A1', 'sent'],
      ['A2', 'delivered'],
      ['A3', 'sent'],
    ]);
    expect(applyReceipts(bob, 'alice', { kind: 'deliveredUpTo', upTo: 'A3' }).map((i) => i.id)).toEqual([
      'A1',
      'A3',
    ]);
    expect(
      applyReceipts(bob, 'alice', { kind: 'readUpTo', upTo: 'A2' }).map((i) => [i.id, i.receipt]),
    ).toEqual([
      ['A1', 'read'],
      ['A2', 'read'],
    ]);
    // An older mark changes nothing.
    expect(applyReceipts(bob, 'alice', { kind: 'readUpTo', upTo: 'A1' })).toEqual([]);
    expect(bob.items.find((i) => i.id === 'B1')?.receipt).toBeUndefined();
    expect(bob.items.find((i) => i.id === 'local-1')?.receipt).toBeUndefined();
    expect(applyReceipts(ensure(convs, 'group', 'kantor'), 'alice', { kind: 'readUpTo', upTo: 'Z' })).toEqual(
      [],
    );
  });
});
