/**
 * Resumable logins (SESSION / RESUME / SESSION_END): one item per token, under the token's SHA-256, never the token
 * itself. Storage only: whether a token still logs its user in is decided in shared/commands/session.ts.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { keys, storedUserKey } from './keys.js';
import { putOnce } from './table.js';

export interface SessionItem {
  /** The key of the user the token logs in. */
  user: UserKey;
  /** A fingerprint of the account's password hash when the token was made. */
  credential: string;
  /** Epoch seconds (the table's TTL attribute). */
  expiresAt: number;
}

/** Stores a new token's item; false when the digest was taken already (a token collision: never in practice). */
export async function putSession(digest: string, item: SessionItem, now: number): Promise<boolean> {
  return putOnce({ ...keys.session(digest), ...item, createdAt: new Date(now).toISOString() });
}

/** The token's item, read strongly (a SESSION_END just answered must be seen); undefined when there is none. */
export async function readSession(digest: string): Promise<SessionItem | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.session(digest), ConsistentRead: true }),
  );
  if (!Item || typeof Item.user !== 'string' || typeof Item.expiresAt !== 'number') return undefined;
  return { user: storedUserKey(Item.user), credential: String(Item.credential), expiresAt: Item.expiresAt };
}

/** Ends a token, whether or not it still existed. */
export async function deleteSession(digest: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.session(digest) }));
}
