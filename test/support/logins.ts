/** What the login-race tests share: limits a test run never trips, and reading what a connection received. */
import type { ChatClient } from './client.js';
import { PASSWORD } from './endpoint.js';

/** Limits high enough that many logins and wrong passwords from 127.0.0.1 never trip them. */
export const GENEROUS_LIMITS = {
  AUTH_MAX_FAILURES: '100000',
  AUTH_MAX_FAILURES_PER_IP: '1000000',
  BUDGET_AUTH_BURST: '100000',
  BUDGET_REGISTER_BURST: '100000',
  BUDGET_CREATE_BURST: '100000',
  IP_INFLIGHT_HASHES: '100000',
  BUDGET_MEMBERSHIP_BURST: '100000',
};

/**
 * Password hashes slow enough to race: scrypt at N = 2^12, about 15 ms of a core (2^15, the production cost, is
 * about 100 ms; vitest.config.ts lowers every file to 2^10, about 3 ms). One runtime hashes one password at a time,
 * so sixteen racing AUTHs are each under way for tens to hundreds of milliseconds and a removal, a LOGOUT or another
 * AUTH fired at 0–120 ms lands while some are before their password check, some between it and their bind, and
 * some done. At 2^15 the same files took three times as long and most AUTHs were still queued when the race was
 * over.
 */
export const RACING_PASSWORD_HASHING = { PASSWORD_HASH_N: String(2 ** 12) };

/** The production cost, scrypt at N = 2^15 (config.passwordHashN's default): for a file whose subject is the hash. */
export const PRODUCTION_PASSWORD_HASHING = { PASSWORD_HASH_N: String(2 ** 15) };

/** The texts of the private messages a connection received after frame `from` of its log. */
export function messagesSince(client: ChatClient, from: number): string[] {
  return client.log.slice(from).flatMap((f) => (f.event === 'MESSAGE' ? [String(f.message)] : []));
}

/** How many times a connection received the private message `text`. */
export function received(client: ChatClient, text: string): number {
  return messagesSince(client, 0).filter((m) => m === text).length;
}

/** Logs `name` in on a new connection (from `connect`) and returns the texts of everything its catch-up brought. */
export async function backlogOf(connect: () => Promise<ChatClient>, name: string): Promise<string[]> {
  const device = await connect();
  const answer = await device.request(`AUTH ${name} ${PASSWORD}`);
  if (answer.status !== 'OK') throw new Error(`AUTH ${name} answered ${JSON.stringify(answer)}`);
  await device.caughtUp();
  const texts = messagesSince(device, 0);
  await device.close();
  return texts;
}
