/**
 * The page's state as plain data and pure functions: conversations (private and group), their messages by id
 * (so a push seen twice, or again in a history page, is shown once), unread counts and history cursors.
 */
import type { Push } from '../../client/index.js';

export interface FileInfo {
  filename: string;
  size: number;
  contentType: string;
  url?: string;
  expiresAt?: string;
}

export interface Item {
  id: string;
  from: string;
  sentAt: string;
  text?: string;
  file?: FileInfo;
  /** Sent from this page and not yet seen in history (no server id known). */
  local?: boolean;
  /** Changed by its sender (EDIT) / deleted (DELETE): the text is the current one / there is none. */
  edited?: boolean;
  deleted?: boolean;
  /** Your own private message (issue 23): stored, reached a device of the recipient, or read by them. */
  receipt?: 'sent' | 'delivered' | 'read';
  /** SEND_ID answered `delivered` for it. */
  delivered?: boolean;
}

export interface Conversation {
  key: string;
  kind: 'user' | 'group';
  name: string;
  items: Item[];
  unread: number;
  /** undefined: history not loaded yet; null: no older page; string: the id to ask for the older page. */
  next: string | null | undefined;
  /** What was typed here and not sent yet: each conversation keeps its own. */
  draft?: string;
  /** A group this user was removed from, or that was deleted: shown, but nothing can be sent. */
  gone?: boolean;
  /** When its newest message was sent, as the server listed it (CONVERSATIONS) before any is loaded here. */
  lastAt?: string;
  /** A private conversation: the other user read (READ, HISTORY's readUpTo) / received (DELIVERED) up to these ids. */
  readUpTo?: string;
  deliveredUpTo?: string;
}

export type Conversations = Map<string, Conversation>;

export const keyOf = (kind: 'user' | 'group', name: string): string => `${kind}:${name.toLowerCase()}`;

export function ensure(convs: Conversations, kind: 'user' | 'group', name: string): Conversation {
  const key = keyOf(kind, name);
  let conv = convs.get(key);
  if (!conv) {
    conv = { key, kind, name, items: [], unread: 0, next: undefined };
    convs.set(key, conv);
  }
  return conv;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Where a push belongs, and the item it shows; undefined for pushes that are not messages. */
export function placeOf(
  push: Push,
  me: string,
): { kind: 'user' | 'group'; name: string; item: Item } | undefined {
  // Read field by field: a push from a newer server may carry fields this page does not know.
  const f = push as { event: string; id: string; [field: string]: unknown };
  const from = str(f.from);
  const base = { id: f.id, from, sentAt: str(f.sentAt) };
  const file = (): FileInfo => ({
    filename: str(f.filename),
    size: Number(f.size ?? 0),
    contentType: str(f.contentType) || 'application/octet-stream',
    ...(typeof f.url === 'string' ? { url: f.url } : {}),
    ...(typeof f.expiresAt === 'string' ? { expiresAt: f.expiresAt } : {}),
  });
  const peer = same(from, me) ? str(f.to) : from;
  if (f.deleted === true) {
    // A tombstone in a history page: where the message was, without it.
    const item = { ...base, deleted: true };
    if (f.event === 'MESSAGE' || f.event === 'FILE') return { kind: 'user', name: peer, item };
    if (f.event === 'GROUP_MESSAGE' || f.event === 'GROUP_FILE')
      return { kind: 'group', name: str(f.group), item };
  }
  if (typeof f.editedAt === 'string') Object.assign(base, { edited: true });
  switch (f.event) {
    case 'MESSAGE':
      return { kind: 'user', name: peer, item: { ...base, text: str(f.message) } };
    case 'GROUP_MESSAGE':
      return { kind: 'group', name: str(f.group), item: { ...base, text: str(f.message) } };
    case 'FILE':
      return { kind: 'user', name: peer, item: { ...base, file: file() } };
    case 'GROUP_FILE':
      return { kind: 'group', name: str(f.group), item: { ...base, file: file() } };
    case 'FILE_SENT': {
      const group = str(f.group);
      const item = { ...base, from: me, file: file() };
      return group ? { kind: 'group', name: group, item } : { kind: 'user', name: str(f.to), item };
    }
    default:
      return undefined;
  }
}

/**
 * The ids of a conversation's items, kept beside the plain data so that adding one message costs the same whether 20
 * or 20,000 are loaded. Rebuilt (once) if the items were changed behind its back.
 */
const indexes = new WeakMap<Conversation, Map<string, Item>>();

function indexOf(conv: Conversation): Map<string, Item> {
  let index = indexes.get(conv);
  if (!index || index.size !== conv.items.length) {
    index = new Map(conv.items.map((i) => [i.id, i]));
    indexes.set(conv, index);
  }
  return index;
}

/** Where `item` is (or would go) in the sorted list: a binary search, and at the end in one step for a new one. */
function positionOf(items: readonly Item[], key: string): number {
  const last = items.at(-1);
  if (!last || order(last) < key) return items.length;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(items[mid] as Item) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The position of the item of `id`, or -1. */
export function findItem(conv: Conversation, id: string): number {
  const old = indexOf(conv).get(id);
  if (!old) return -1;
  const at = positionOf(conv.items, order(old));
  return conv.items[at] === old ? at : conv.items.indexOf(old);
}

/** Removes one item (a local copy the server refused, or replaced by the stored one). */
export function removeItem(conv: Conversation, item: Item): void {
  const at = findItem(conv, item.id);
  if (at < 0 || conv.items[at] !== item) return;
  conv.items.splice(at, 1);
  indexOf(conv).delete(item.id);
}

/**
 * Adds items (any order, possibly seen before) and keeps the list sorted by id (ULIDs sort by time). A server
 * item replaces a local one of the same sender and text, and an item seen again keeps the newer file link.
 * Returns how many items were new. A new message arriving last costs O(1) plus the local copies still waiting.
 */
export function addItems(conv: Conversation, items: readonly Item[]): number {
  let added = 0;
  const index = indexOf(conv);
  for (const item of items) {
    const existing = findItem(conv, item.id);
    if (existing >= 0) {
      const old = conv.items[existing] as Item;
      const merged = { ...old, ...item, file: item.file?.url ? item.file : (old.file ?? item.file) };
      conv.items[existing] = merged;
      index.set(item.id, merged);
      continue;
    }
    if (!item.local) {
      // Local copies are few (sent and not yet answered): look only at those, from the newest.
      for (let i = conv.items.length - 1; i >= 0; i--) {
        const local = conv.items[i] as Item;
        if (
          local.local &&
          same(local.from, item.from) &&
          local.text !== undefined &&
          local.text === item.text
        ) {
          conv.items.splice(i, 1);
          index.delete(local.id);
          added--;
          break;
        }
        if (!local.local && i < conv.items.length - LOCAL_LOOKBACK) break;
      }
    }
    conv.items.splice(positionOf(conv.items, order(item)), 0, item);
    index.set(item.id, item);
    added++;
  }
  return added;
}

/** How far back past the stored messages a local copy may sit (it sorts by its own clock among them). */
const LOCAL_LOOKBACK = 200;

/**
 * A MESSAGE_EDITED / MESSAGE_DELETED push changes the item of that id, in whichever conversation holds it: the
 * conversation changed, or undefined (not shown here, or not such a push).
 */
export function applyChange(convs: Conversations, push: Push): Conversation | undefined {
  const f = push as { event: string; id: string; [field: string]: unknown };
  if (f.event !== 'MESSAGE_EDITED' && f.event !== 'MESSAGE_DELETED') return undefined;
  for (const conv of convs.values()) {
    const index = findItem(conv, f.id);
    const old = conv.items[index];
    if (!old) continue;
    const changed: Item =
      f.event === 'MESSAGE_EDITED'
        ? { ...old, text: str(f.message), edited: true }
        : { id: old.id, from: old.from, sentAt: old.sentAt, deleted: true };
    conv.items[index] = changed;
    indexOf(conv).set(changed.id, changed);
    return conv;
  }
  return undefined;
}

/** Local items (no server id yet) sort by their time among the ULIDs: both start with the time. */
function order(item: Item): string {
  return item.local ? `${ulidTime(Date.parse(item.sentAt))}~${item.id}` : item.id;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The 10-character time part of a ULID for `ms`. */
export function ulidTime(ms: number): string {
  let out = '';
  let rest = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** Day labels between messages: the key of the day an item falls on, in local time. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Moves a private conversation's read or delivered mark forward (`upTo`, an id) and sets the receipt of each of your
 * own stored messages in it: read up to readUpTo, delivered up to deliveredUpTo (or when SEND_ID said so), else sent.
 * Answers the items whose receipt changed.
 */
export function applyReceipts(
  conv: Conversation,
  me: string,
  mark?: { kind: 'readUpTo' | 'deliveredUpTo'; upTo: string },
): Item[] {
  if (conv.kind !== 'user') return [];
  if (mark && mark.upTo > (conv[mark.kind] ?? '')) conv[mark.kind] = mark.upTo;
  const changed: Item[] = [];
  for (const item of conv.items) {
    if (item.local || !same(item.from, me)) continue;
    const receipt =
      item.id <= (conv.readUpTo ?? '')
        ? 'read'
        : item.delivered || item.id <= (conv.deliveredUpTo ?? '')
          ? 'delivered'
          : 'sent';
    if (item.receipt !== receipt) {
      item.receipt = receipt;
      changed.push(item);
    }
  }
  return changed;
}

/** Records activity the server listed (CONVERSATIONS): the later of it and what is known already. */
export function noteActivity(conv: Conversation, sentAt: string): void {
  if (sentAt > (conv.lastAt ?? '')) conv.lastAt = sentAt;
}

/** Sidebar order: most recent activity first (loaded messages, or the server's listing), then by name. */
export function sorted(convs: Conversations): Conversation[] {
  const last = (c: Conversation) => [c.items.at(-1)?.sentAt ?? '', c.lastAt ?? ''].sort().at(-1) ?? '';
  return [...convs.values()].sort((a, b) => last(b).localeCompare(last(a)) || a.name.localeCompare(b.name));
}
