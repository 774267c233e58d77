/**
 * The addresses and devices an account logged in from lately: what makes a source "known" to the account, so that
 * strangers' failures never lock it out (./attempts.ts). One item per account, `AUTHKNOWN#<user>`, holding two maps
 * (address → last login, device digest → last login), each kept to the `MAX_ENTRIES` most recent, entries older than
 * `REMEMBER_MS` ignored and dropped at the next write, and the item removed by the table's TTL a while after its
 * last write: it never grows without bound.
 *
 * A device is a random token AUTH gives a client that asks for one (AUTH's optional third parameter) and that the
 * client sends back at its next AUTH; only its SHA-256 digest is stored, so reading the table gives no token away.
 * Remembering is a read, then a write conditional on the version read; of two logins at once, the second reads
 * again and adds its own entries (a few tries; a login that still loses is not remembered, and nothing else fails).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type KnownLogins, readKnownLogins, writeKnownLogins } from '../data/known-logins.js';
import { epochSeconds } from '../data/table.js';
import type { UserKey } from '../protocol/names.js';

/** A login is remembered this long: as long as a deleted account's name stays reserved, so its next owner inherits nothing. */
export const REMEMBER_MS = 30 * 24 * 3600 * 1000;
/** The most addresses, and the most devices, remembered per account. */
export const MAX_ENTRIES = 10;
/** A known entry is written again only when its last login is older than this. */
const REFRESH_MS = 24 * 3600 * 1000;
const TRIES = 4;

/** AUTH's third parameter: a device token, or `-` for a client that has none yet. */
export const NO_DEVICE = '-';
const TOKEN = /^[A-Za-z0-9_-]{22}$/;

export function isDeviceParam(value: string): boolean {
  return value === NO_DEVICE || TOKEN.test(value);
}

/** A fresh device token: 128 random bits, base64url. */
export function newDeviceToken(): string {
  return randomBytes(16).toString('base64url');
}

/** What is stored for a device token. */
export function deviceDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export type Known = KnownLogins;

export function readKnown(userKey: UserKey, consistent = false): Promise<Known> {
  return readKnownLogins(userKey, consistent);
}

const recent = (map: Record<string, number>, key: string | undefined, now: number): boolean =>
  key !== undefined && (map[key] ?? Number.NEGATIVE_INFINITY) > now - REMEMBER_MS;

/** Did the account log in lately from this address (as counted) or this device (its digest)? */
export function isKnown(known: Known, address: string | undefined, device: string | undefined, now: number) {
  return {
    address: recent(known.addresses, address, now),
    device: recent(known.devices, device, now),
  };
}

/** `map` with `key` seen at `now`: the MAX_ENTRIES most recent of those seen within REMEMBER_MS. */
export function withEntry(map: Record<string, number>, key: string, now: number): Record<string, number> {
  const entries = Object.entries({ ...map, [key]: now })
    .filter(([, at]) => at > now - REMEMBER_MS)
    .sort(([, a], [, b]) => b - a)
    .slice(0, MAX_ENTRIES);
  return Object.fromEntries(entries);
}

const fresh = (map: Record<string, number>, key: string | undefined, now: number) =>
  key === undefined || (map[key] ?? Number.NEGATIVE_INFINITY) > now - REFRESH_MS;

/**
 * Remembers a successful login from `address` and/or `device` (a digest). One conditional PutItem, none when both
 * were remembered within the last day; re-read and retried when another login wrote first.
 */
export async function rememberLogin(
  userKey: UserKey,
  known: Known,
  address: string | undefined,
  device: string | undefined,
  now: number,
): Promise<void> {
  let current = known;
  for (let attempt = 0; attempt < TRIES; attempt++) {
    if (fresh(current.addresses, address, now) && fresh(current.devices, device, now)) return;
    const addresses = address === undefined ? current.addresses : withEntry(current.addresses, address, now);
    const devices = device === undefined ? current.devices : withEntry(current.devices, device, now);
    const expiresAt = epochSeconds(now + REMEMBER_MS);
    if (await writeKnownLogins(userKey, current.version, { addresses, devices }, expiresAt)) return;
    current = await readKnown(userKey, true);
  }
}
