/**
 * Message ids: 26 characters, Crockford base32, ULID layout (48-bit millisecond time, 80 random bits),
 * so ids sort by time and "oldest first" is a plain key order.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

export function newId(now: number = Date.now()): string {
  const random = randomBytes(10);
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = ALPHABET[Number(bits & 31n)] + tail;
    bits >>= 5n;
  }
  return encodeTime(now) + tail;
}

/** The smallest id of a given millisecond: a lower bound for key ranges. */
export function idFloor(ms: number): string {
  return `${encodeTime(Math.max(0, ms))}${'0'.repeat(16)}`;
}

/** The largest id of a given millisecond: every id made at or before `ms` sorts at or below it. */
export function idCeil(ms: number): string {
  return `${encodeTime(Math.max(0, ms))}${'Z'.repeat(16)}`;
}

/** The millisecond an id was made in. */
export function idTime(id: string): number {
  let ms = 0;
  for (const ch of id.slice(0, 10)) ms = ms * 32 + ALPHABET.indexOf(ch);
  return ms;
}
