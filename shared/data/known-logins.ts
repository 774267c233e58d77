/**
 * The item that remembers where an account logged in from lately (`AUTHKNOWN#<user>`): two maps and a version,
 * read with one GetItem and written with one PutItem conditional on the version read. What it means, and how long
 * an entry counts, is shared/auth/known.ts's.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { keys } from './keys.js';
import { conditionally } from './table.js';

export interface KnownLogins {
  /** Address (as counted) → the last login from it (ms). */
  addresses: Record<string, number>;
  /** Device (its token's digest) → the last login from it (ms). */
  devices: Record<string, number>;
  /** 0 when there is no item. */
  version: number;
}

export async function readKnownLogins(userKey: UserKey, consistent = false): Promise<KnownLogins> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.authKnown(userKey), ConsistentRead: consistent }),
  );
  return {
    addresses: (Item?.addresses as Record<string, number> | undefined) ?? {},
    devices: (Item?.devices as Record<string, number> | undefined) ?? {},
    version: Number(Item?.version ?? 0),
  };
}

/**
 * Writes the maps as the next version after `read` (absent when `read.version` is 0), only if the item is still at
 * that version. False when another write came first. One conditional PutItem.
 */
export async function writeKnownLogins(
  userKey: UserKey,
  read: number,
  known: Pick<KnownLogins, 'addresses' | 'devices'>,
  expiresAt: number,
): Promise<boolean> {
  return conditionally(
    db.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...keys.authKnown(userKey),
          addresses: known.addresses,
          devices: known.devices,
          version: read + 1,
          expiresAt,
        },
        ConditionExpression: read === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
        ExpressionAttributeValues: read === 0 ? undefined : { ':version': read },
      }),
    ),
  );
}
