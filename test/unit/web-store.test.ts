import { describe, expect, it } from 'vitest';
import { REASONS } from '../../shared/protocol/replies.js';
import { STRINGS } from '../../web/src/i18n.js';
import {
  addItems,
  applyChange,
  type Conversation,
  ensure,
  keyOf,
  placeOf,
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
