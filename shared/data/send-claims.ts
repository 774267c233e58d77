/**
 * SEND_ID / SEND_GROUP_ID claims: one item per (user, client id) for 24 h, holding the message id chosen up front,
 * the send's time, a fingerprint of its audience and text, and whether its store + push has finished. Created by a
 * conditional put, so of two racing attempts exactly one claims; the other reads the winner's id.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { keys } from './keys.js';
import { conditionally, epochSeconds, putFirst } from './table.js';

/** How long a client id names one message. */
export const CLAIM_TTL_MS = 24 * 3600 * 1000;

export interface SendClaim {
  id: string;
  /** Epoch ms: the message's `sentAt`, the same for every attempt. */
  at: number;
  fingerprint: string;
  /** Stored and pushed: a retry answers at once. */
  done: boolean;
}

function claimOf(item: Record<string, unknown> | undefined, now: number): SendClaim | undefined {
  if (!item || !(Number(item.expiresAt) >= epochSeconds(now))) return undefined;
  return {
    id: String(item.id),
    at: Number(item.at),
    fingerprint: String(item.fingerprint),
    done: item.done === true,
  };
}

/** Claims the client id for `claim`; returns undefined when this call claimed it, else the claim that holds it. */
export async function claimClientId(
  user: UserKey,
  clientId: string,
  claim: Omit<SendClaim, 'done'>,
  now: number,
): Promise<SendClaim | undefined> {
  const item = {
    ...keys.sendClaim(user, clientId),
    ...claim,
    done: false,
    expiresAt: epochSeconds(now + CLAIM_TTL_MS),
  };
  const { created, found } = await putFirst(item, {
    replaceable: 'expiresAt < :now',
    now: epochSeconds(now),
  });
  if (created) return undefined;
  // Found but expired can only mean it expired between the put and the read: the put may be tried again.
  return claimOf(found, now) ?? claimClientId(user, clientId, claim, now);
}

export async function readClaim(
  user: UserKey,
  clientId: string,
  now: number,
): Promise<SendClaim | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.sendClaim(user, clientId), ConsistentRead: true }),
  );
  return claimOf(Item, now);
}

/** Marks the claim's message stored and pushed (only the claim for that very id: never creates an item). */
export async function markClaimDone(user: UserKey, clientId: string, id: string): Promise<void> {
  await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.sendClaim(user, clientId),
        UpdateExpression: 'SET done = :yes',
        ConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':yes': true, ':id': id },
      }),
    ),
  );
}
