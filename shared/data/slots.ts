/**
 * Slot counters: one `count` on one item, kept by the table's TTL, taken one slot at a time by a conditional
 * UpdateItem only while it is below a limit (so concurrent takers never push it past the limit), and given back.
 * The rules that use them are elsewhere: flood control per address (shared/limits/addresses.ts) and password
 * guessing (shared/auth/attempts.ts) count in fixed windows, the hash slots (shared/limits/in-flight.ts) in leases.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE } from './client.js';
import { TABLE_SCHEMA } from './schema.js';
import { conditionally, type Key, unlessConditionFails } from './table.js';

/**
 * Takes one slot (`ADD count 1`, and the item's TTL set to `expiresAt`), only while the count is below `limit`.
 * True when taken; false when the count is at the limit. One conditional UpdateItem.
 */
export async function takeSlot(key: Key, limit: number, expiresAt: number): Promise<boolean> {
  return conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: 'ADD #count :one SET #ttl = :expiresAt',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': TABLE_SCHEMA.ttlAttribute },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expiresAt': expiresAt },
      }),
    ),
  );
}

/** Gives one slot back (`ADD count -1`) while the count is above zero; a count cleared meanwhile stays as it is. */
export async function giveBackSlot(key: Key): Promise<void> {
  await giveBack(key, '#count > :zero', {});
}

/**
 * `ADD count -1` under `condition`; a refused condition (the count cleared, or started again, meanwhile) leaves the
 * count as it is.
 */
async function giveBack(key: Key, condition: string, values: Record<string, unknown>): Promise<void> {
  await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: 'ADD #count :minusOne',
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0, ...values },
      }),
    ),
  );
}

/** Clears the count: the item goes (one DeleteItem). */
export async function clearSlots(key: Key): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: key }));
}

/** The names a leased count (shared/limits/in-flight.ts) is written with. */
const LEASED = { '#count': 'count', '#ttl': TABLE_SCHEMA.ttlAttribute };

async function updateLeased(
  key: Key,
  update: string,
  condition: string,
  values: Record<string, number>,
): Promise<number | undefined> {
  const updated = await unlessConditionFails(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: LEASED,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  return updated && Number(updated.Attributes?.generation ?? 0);
}

/** The lease a take sets: until when the slots count as held (ms), and the item's TTL (epoch seconds). */
export interface Lease {
  until: number;
  expiresAt: number;
}

const leaseValues = (lease: Lease) => ({
  ':one': 1,
  ':zero': 0,
  ':until': lease.until,
  ':expiresAt': lease.expiresAt,
});

/**
 * Takes one slot of a leased count while fewer than `cap` are taken, and extends the lease: the count's generation,
 * or undefined when all `cap` are taken. One conditional UpdateItem.
 */
export function takeLeasedSlot(key: Key, cap: number, lease: Lease): Promise<number | undefined> {
  return updateLeased(
    key,
    'ADD #count :one SET leaseUntil = :until, generation = if_not_exists(generation, :zero), #ttl = :expiresAt',
    'attribute_not_exists(#count) OR #count < :cap',
    { ...leaseValues(lease), ':cap': cap },
  );
}

/**
 * Starts the count's next generation with one slot taken, only when its lease ended before `now` (no slot was taken
 * for a whole lease): the new generation, or undefined while the lease lasts. One conditional UpdateItem.
 */
export function restartLeasedSlots(key: Key, now: number, lease: Lease): Promise<number | undefined> {
  return updateLeased(
    key,
    'SET #count = :one, leaseUntil = :until, generation = if_not_exists(generation, :zero) + :one, #ttl = :expiresAt',
    'leaseUntil < :now',
    { ...leaseValues(lease), ':now': now },
  );
}

/** Gives back one slot of `generation`; a count started again meanwhile (or already at zero) stays as it is. */
export async function giveBackLeasedSlot(key: Key, generation: number): Promise<void> {
  await giveBack(key, 'generation = :generation AND #count > :zero', { ':generation': generation });
}
