/**
 * Password guessing is bounded. Failed AUTHs are counted per account and per source address (one small item each,
 * with a TTL). Past the limit within the window — 10 per account, 100 per address, in 15 minutes by default —
 * AUTH for that account (or from that address) is refused for a while without the password being checked: the
 * first lockout lasts one window, each further one twice as long as the last (at most a day). A success clears the
 * account's count (never the address's). Nobody can lock another account out of a different account: counts are
 * per account.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { db, TABLE } from '../data/client.js';
import { keys } from '../data/keys.js';
import { epochSeconds } from '../data/table.js';

interface Count {
  failures: number;
  /** Epoch ms: the start of the current window. */
  since: number;
  /** Epoch ms until which AUTH is refused. */
  lockedUntil: number;
  /** Lockouts so far, for the back-off. */
  lockouts: number;
}

const EMPTY: Count = { failures: 0, since: 0, lockedUntil: 0, lockouts: 0 };
const MAX_LOCK_MS = 24 * 3600 * 1000;

type Scope = { scope: 'user' | 'ip'; subject: string; limit: number };

function scopes(userKey: string, sourceIp: string | undefined): Scope[] {
  const out: Scope[] = [{ scope: 'user', subject: userKey, limit: config.authMaxFailures }];
  if (sourceIp) out.push({ scope: 'ip', subject: sourceIp, limit: config.authMaxFailuresPerIp });
  return out;
}

async function read({ scope, subject }: Scope): Promise<Count> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.authFailures(scope, subject) }),
  );
  return Item ? { ...EMPTY, ...(Item as Partial<Count>) } : EMPTY;
}

export interface Attempts {
  /** Seconds until AUTH may be tried again, when it is refused now. */
  retryAfter: number | undefined;
  counts: Count[];
  scopes: Scope[];
}

/** Reads the counts (one GetItem each, in parallel with the account): is AUTH refused right now? */
export async function checkAttempts(userKey: string, sourceIp: string | undefined, now: number) {
  const list = scopes(userKey, sourceIp);
  const counts = await Promise.all(list.map(read));
  const until = Math.max(...counts.map((c) => c.lockedUntil));
  const retryAfter = until > now ? Math.ceil((until - now) / 1000) : undefined;
  return { retryAfter, counts, scopes: list } satisfies Attempts;
}

/** The next state of a count after one more failure. */
export function afterFailure(count: Count, limit: number, now: number): Count {
  const windowMs = config.authWindowSeconds * 1000;
  const fresh = now - count.since >= windowMs;
  const failures = (fresh ? 0 : count.failures) + 1;
  const since = fresh ? now : count.since;
  if (failures < limit) return { ...count, failures, since };
  const lockMs = Math.min(MAX_LOCK_MS, windowMs * 2 ** count.lockouts);
  return { failures: 0, since: now, lockedUntil: now + lockMs, lockouts: count.lockouts + 1 };
}

/** Counts one failed AUTH for the account and the address. */
export async function recordFailure(attempts: Attempts, now: number): Promise<void> {
  await Promise.all(
    attempts.scopes.map((scope, i) => {
      const next = afterFailure(attempts.counts[i] ?? EMPTY, scope.limit, now);
      // Kept while it matters: a lockout, or the window, plus the longest back-off.
      const expiresAt = epochSeconds(Math.max(next.lockedUntil, next.since) + MAX_LOCK_MS);
      return db.send(
        new PutCommand({
          TableName: TABLE,
          Item: { ...keys.authFailures(scope.scope, scope.subject), ...next, expiresAt },
        }),
      );
    }),
  );
}

/** A successful AUTH clears the account's count (the address keeps its own). */
export async function recordSuccess(userKey: string, attempts: Attempts): Promise<void> {
  if ((attempts.counts[0]?.failures ?? 0) === 0 && (attempts.counts[0]?.lockouts ?? 0) === 0) return;
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.authFailures('user', userKey) }));
}
