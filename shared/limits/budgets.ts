/**
 * Flood control per connection, in the memory of the container that handles it: a token bucket per connection and
 * kind of request, checked before a command runs, at no DynamoDB cost. API Gateway may spread one connection's
 * requests over several containers, so a connection gets at most this budget per container; the stage's throttle
 * and the function's concurrency bound how many containers there are (docs/SECURITY.md argues the numbers).
 * Beyond a budget the answer is the command's failure with reason `rate_limited` and `retryAfter` (seconds).
 */
import { config } from '../config.js';
import { type Bucket, type Rate, take } from './bucket.js';

/** Which budget a request word draws on; words not listed (PING, listings, history) draw on none. */
type Kind = 'send' | 'register' | 'auth' | 'create' | 'typing' | 'watch' | 'membership';

const KIND: Readonly<Record<string, Kind>> = {
  SEND: 'send',
  SEND_GROUP: 'send',
  SEND_FILE: 'send',
  SEND_GROUP_FILE: 'send',
  REGISTER: 'register',
  AUTH: 'auth',
  GROUP_CREATE: 'create',
  TYPING: 'typing',
  TYPING_GROUP: 'typing',
  WATCH: 'watch',
  UNWATCH: 'watch',
  // An invitation reaches any user's devices or inbox, as a message would: it draws on the sends' budget.
  GROUP_INVITE: 'send',
  // Each pushes to a conversation's online devices (a whole group's, for an edit), as a send does.
  READ: 'send',
  READ_GROUP: 'send',
  EDIT: 'send',
  DELETE: 'send',
  SEND_ID: 'send',
  SEND_GROUP_ID: 'send',
  // Both hash a password (scrypt), as AUTH does: the same budget bounds the CPU one connection can spend.
  PASSWORD: 'auth',
  DELETE_ACCOUNT: 'auth',
  // A join or leave writes one item per online device of the user into the group (and a leave may hand the group
  // over or delete it): a budget of its own, far below the sends'.
  GROUP_JOIN: 'membership',
  GROUP_LEAVE: 'membership',
  // Each reaches one other user's privacy (and BLOCK takes a slot of a bounded list): the WATCH budget.
  BLOCK: 'watch',
  UNBLOCK: 'watch',
  // Like GROUP_INVITE, an owner's change to one user's way in.
  GROUP_UNINVITE: 'send',
  RESUME: 'auth',
  SESSION: 'auth',
};

function rateOf(kind: Kind): Rate {
  const b = config.budgets;
  return {
    send: b.send,
    register: b.register,
    auth: b.auth,
    create: b.create,
    typing: b.typing,
    watch: b.watch,
    membership: b.membership,
  }[kind];
}

/** Buckets of the connections this container has seen lately; the oldest are forgotten past this many. */
const MAX_TRACKED = 10_000;
const buckets = new Map<string, Bucket>();

/** Takes one token for `word` on `connectionId`; the seconds to wait when the budget is spent, else undefined. */
export function spend(word: string, connectionId: string, now: number): number | undefined {
  const kind = KIND[word];
  if (!kind) return undefined;
  const key = `${kind}\n${connectionId}`;
  const result = take(buckets.get(key), rateOf(kind), now);
  buckets.delete(key);
  buckets.set(key, result.bucket);
  if (buckets.size > MAX_TRACKED) buckets.delete(buckets.keys().next().value as string);
  return result.retryAfter;
}
