/**
 * Flood control per source address, for the commands that cost the most: REGISTER and AUTH (scrypt, and for AUTH one
 * group connection write per group of the user) and GROUP_CREATE (an item that is never freed). A per-connection budget
 * (budgets.ts) is no bound for a client that opens many connections; this one is, whatever the number of connections
 * and containers.
 *
 * One counter item per address, kind and fixed window (an hour by default), kept in the table with a TTL and
 * bumped by a single conditional UpdateItem: `ADD count 1` only while `count < limit`. Past the limit the update is
 * refused (so the count never exceeds it), and the command answers its failure with `rate_limited` and `retryAfter`,
 * the seconds until the window ends. A fixed window lets an address make up to twice the limit across a window
 * boundary; that is the price of one write per request.
 *
 * IPv6 addresses are counted by their /64 prefix: one subscriber usually holds a whole /64 and can pick any address
 * in it. IPv4 addresses (also written as IPv4-mapped IPv6) are counted one by one. When the address is unknown
 * (undefined or unparsable: API Gateway always sets it, so only a caller that invokes the handler some other way),
 * nothing is counted: the per-connection budgets and the stage's throttles still apply.
 */
import { isIP } from 'node:net';
import { config } from '../config.js';
import { keys } from '../data/keys.js';
import { takeSlot } from '../data/slots.js';
import { epochSeconds } from '../data/table.js';
import { CommandError } from '../protocol/replies.js';

export type AddressKind = 'register' | 'create' | 'auth';

/** The eight groups of an IPv6 address, as numbers (an embedded IPv4 tail counts as the last two). */
function groupsOf(ip: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [Number.parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
          return [a * 256 + b, c * 256 + d];
        });
  // Stryker disable next-line StringLiteral: split always yields a first part; the default only satisfies the type.
  const [head = '', tail] = ip.split('::');
  if (tail === undefined) return parse(head);
  const before = parse(head);
  const after = parse(tail);
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/**
 * What a source address is counted as: an IPv4 address itself, an IPv6 address's /64 prefix (in one spelling
 * however the address was written), or undefined when there is no valid address.
 */
export function addressKey(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const address = ip.split('%')[0] ?? ip; // a zone index (fe80::1%eth0) names an interface, not a host
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return undefined;
  const groups = groupsOf(address.toLowerCase());
  // ::ffff:a.b.c.d is an IPv4 client seen through a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The fixed window `now` falls in: its number (since the epoch), its end, and the whole seconds left in it. */
export function windowOf(now: number, windowSeconds: number) {
  const length = windowSeconds * 1000;
  const index = Math.floor(now / length);
  const end = (index + 1) * length;
  return { index, end, retryAfter: Math.max(1, Math.ceil((end - now) / 1000)) };
}

const limitOf = (kind: AddressKind): number => config.addressBudgets[kind];

/**
 * Counts one `kind` request from `sourceIp`; the seconds to wait when the address has used its budget for the
 * current window, else undefined. One conditional UpdateItem (1 WRU), none when the address is unknown.
 */
export async function spendAddress(
  kind: AddressKind,
  sourceIp: string | undefined,
  now: number,
): Promise<number | undefined> {
  const address = addressKey(sourceIp);
  if (address === undefined) return undefined;
  const window = windowOf(now, config.addressBudgets.windowSeconds);
  // Kept an hour past its window, then removed by the table's TTL.
  const expiresAt = epochSeconds(window.end) + 3600;
  const taken = await takeSlot(keys.addressBudget(address, kind, window.index), limitOf(kind), expiresAt);
  return taken ? undefined : window.retryAfter;
}

/** spendAddress for a command: a `rate_limited` failure with `retryAfter` when the budget is spent. */
export async function requireAddressBudget(
  kind: AddressKind,
  sourceIp: string | undefined,
  now: number,
): Promise<void> {
  const retryAfter = await spendAddress(kind, sourceIp, now);
  if (retryAfter !== undefined) throw new CommandError('rate_limited', { retryAfter });
}
