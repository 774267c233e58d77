/**
 * A user's private conversations, listed by recent activity (CONVERSATIONS). Per user and conversation two items in
 * a partition of the user's own (`CONVS#<user>`): the head `WITH#<other>` holding the hour (`bucket`) of the
 * conversation's last move, and the listing entry `AT#<bucket>#<other>`, so one Query pages the conversations newest
 * hour first. SEND reads both heads beside the block (one BatchGetItem, no new request) and moves a side only when its
 * head is older than the message's hour: a conversation costs its writes once per hour of activity, never per message
 * (docs/DATA_MODEL.md, "Conversations").
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { directPk, keys, prefixes, storedUserKey } from './keys.js';
import { batchGet, batchWrite, conditionally, type Item, type Key, queryRange } from './table.js';

/** The listing's precision: a conversation moves at most once per hour of activity. */
export const BUCKET_MS = 3600 * 1000;

/** The hour `ms` falls in, as a sortable string: `2026-12-07T20`. */
export function bucketOf(ms: number): string {
  return new Date(Math.floor(ms / BUCKET_MS) * BUCKET_MS).toISOString().slice(0, 13);
}

/** What SEND reads of a pair before it stores: whether the recipient blocked the sender, and each side's head. */
export interface PairState {
  blocked: boolean;
  /** Each side's `bucket` (keyed by the user whose list it is); absent when that side has no head yet. */
  heads: ReadonlyMap<UserKey, string>;
}

/** Block and heads of a pair in one strongly consistent BatchGetItem (sending to oneself: the one head). */
export async function readPair(from: UserKey, to: UserKey): Promise<PairState> {
  const wanted: Key[] = [keys.conversation(from, to)];
  if (to !== from) wanted.push(keys.block(to, from), keys.conversation(to, from));
  const items = await batchGet(wanted, true);
  return { blocked: items.some((item) => item.pk.startsWith('BLOCKS#')), heads: headsOf(items) };
}

/** The heads of the pair alone (a delivery that read no pair state: an upload's arrival). */
export async function readHeads(from: UserKey, to: UserKey): Promise<ReadonlyMap<UserKey, string>> {
  const wanted =
    to === from ? [keys.conversation(from, to)] : [keys.conversation(from, to), keys.conversation(to, from)];
  return headsOf(await batchGet(wanted, true));
}

function headsOf(items: readonly Item[]): Map<UserKey, string> {
  const heads = new Map<UserKey, string>();
  for (const item of items)
    if (item.pk.startsWith('CONVS#') && typeof item.bucket === 'string')
      heads.set(storedUserKey(item.pk.slice('CONVS#'.length)), item.bucket);
  return heads;
}

/** One side of a message's activity: `user`'s list gains or moves `other` (spelled `username`) to `bucket`. */
export interface Move {
  user: UserKey;
  other: UserKey;
  username: string;
  bucket: string;
}

/**
 * Moves `user`'s entry for `other` to `bucket`, if its head is older: the new entry is put first, then the head is
 * moved by a conditional UpdateItem (never backwards) that returns the old bucket, whose entry the mover then
 * deletes. A mover whose head update fails finds a head at or past its bucket; past it, its own entry is stale and
 * it deletes it. So once every move finished, exactly the head's entry is left (test/local/conversations-property.test.ts);
 * meanwhile a reader may see two entries of one pair, and passes over the older (listPage's callers).
 */
export async function moveConversation({ user, other, username, bucket }: Move): Promise<void> {
  const entry = keys.conversationEntry(user, bucket, other);
  await db.send(new PutCommand({ TableName: TABLE, Item: { ...entry, with: other, username } }));
  let old: string | undefined;
  const moved = await conditionally(
    db
      .send(
        new UpdateCommand({
          TableName: TABLE,
          Key: keys.conversation(user, other),
          UpdateExpression: 'SET #bucket = :bucket, username = :username',
          ConditionExpression: 'attribute_not_exists(#bucket) OR #bucket < :bucket',
          ExpressionAttributeNames: { '#bucket': 'bucket' },
          ExpressionAttributeValues: { ':bucket': bucket, ':username': username },
          ReturnValues: 'ALL_OLD',
        }),
      )
      .then(({ Attributes }) => {
        old = typeof Attributes?.bucket === 'string' ? Attributes.bucket : undefined;
      }),
  );
  if (moved) {
    if (old !== undefined) await forgetEntries([keys.conversationEntry(user, old, other)]);
    return;
  }
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.conversation(user, other), ConsistentRead: true }),
  );
  if (typeof Item?.bucket === 'string' && Item.bucket > bucket) await forgetEntries([entry]);
}

/** Deletes listing entries (a move's old one, or stale ones a listing met). */
export async function forgetEntries(entries: readonly Key[]): Promise<void> {
  if (entries.length === 1) {
    const [only] = entries as [Key];
    await db.send(new DeleteCommand({ TableName: TABLE, Key: only }));
  } else if (entries.length > 1) await batchWrite([], entries);
}

/** One listing entry: `other` (spelled as the move that wrote it), in `user`'s list at hour `bucket`. */
export interface Entry {
  other: UserKey;
  username: string;
  bucket: string;
  /** The entry's sort key without `AT#`: what a page's `next` carries. */
  cursor: string;
}

/**
 * A page of `user`'s listing entries, newest hour first, after `cursor` (a `next` of an earlier page) when given:
 * one Query (one more item tells whether more follow).
 */
export async function listPage(
  user: UserKey,
  cursor: string | undefined,
  limit: number,
): Promise<{ entries: Entry[]; more: boolean }> {
  const pk = keys.conversationEntry(user, '', '').pk;
  const bound = `${prefixes.conversationEntry}${cursor ?? '\uffff'}`;
  const page = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :bound',
      ExpressionAttributeValues: { ':pk': pk, ':first': prefixes.conversationEntry, ':bound': bound },
      ScanIndexForward: false,
      Limit: limit + 2,
    }),
  );
  const items = ((page.Items ?? []) as Item[]).filter((item) => item.sk !== bound);
  const entries = items.map((item) => {
    const cursor = item.sk.slice(prefixes.conversationEntry.length);
    return {
      other: storedUserKey(String(item.with)),
      username: String(item.username),
      bucket: cursor.slice(0, 13),
      cursor,
    };
  });
  return { entries: entries.slice(0, limit), more: entries.length > limit };
}

/** The heads of `user`'s conversations with `others` (their current buckets): one BatchGetItem per 100. */
export async function currentHeads(user: UserKey, others: readonly UserKey[]): Promise<Map<UserKey, string>> {
  const items = await batchGet(others.map((other) => keys.conversation(user, other)));
  const heads = new Map<UserKey, string>();
  for (const item of items)
    if (typeof item.bucket === 'string') heads.set(storedUserKey(item.sk.slice('WITH#'.length)), item.bucket);
  return heads;
}

/** The newest message of the conversation of `a` and `b` (its id, sender, time and whether deleted): one Query. */
export async function newestDirect(
  a: UserKey,
  b: UserKey,
): Promise<{ id: string; from: string; sentAt: string; deleted: boolean } | undefined> {
  const page = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
      ExpressionAttributeValues: { ':pk': directPk(a, b), ':msg': prefixes.message },
      ProjectionExpression: 'id, #from, sentAt, deleted',
      ExpressionAttributeNames: { '#from': 'from' },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const item = page.Items?.[0];
  if (!item) return;
  return {
    id: String(item.id),
    from: String(item.from),
    sentAt: String(item.sentAt),
    deleted: item.deleted === true,
  };
}

/**
 * Deletes one page of `user`'s own list, heads (`WITH#`) and entries (`AT#`) alike (DELETE_ACCOUNT's clean-up: a
 * name's next owner reads no earlier owner's list); true while more may remain.
 */
export async function forgetConversationsPage(user: UserKey, limit: number): Promise<boolean> {
  const { pk } = keys.conversation(user, '');
  const page = await queryRange(pk, { after: '#', upTo: '\uffff' }, { limit, consistent: true });
  if (page.items.length > 0)
    await batchWrite(
      [],
      page.items.map(({ pk, sk }) => ({ pk, sk })),
    );
  return page.next !== undefined;
}
