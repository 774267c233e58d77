/**
 * Passwords are kept only as salted scrypt hashes, with their parameters stored beside them so they can be
 * raised later without breaking old accounts. Verification compares in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { config } from '../config.js';

/** N is config.passwordHashN (2^15 unless a test lowers it); r and p are fixed. */
const PARAMS = { N: config.passwordHashN, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
/** Room for the largest N a stored hash may carry (2^15, the default). */
const MAX_MEM = 128 * 2 ** 15 * PARAMS.r * 2;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: MAX_MEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS.N, PARAMS.r, PARAMS.p);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Verified when the user does not exist, so both paths cost one scrypt and take the same time. A salt and key of
 * the right lengths at the current N, from a password that was thrown away (the key was made at 2^15, so at a
 * lowered N nothing matches it either); a constant, so no cold start pays for deriving it.
 */
const DECOY = `scrypt$${PARAMS.N}$8$1$L8GOoiA4Vofq+N9HOmBZmw==$vCW/ongpsoz5mbe3dxPe4XWrSWsZjEfEU5cYWWvTSn4=`;

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = (stored ?? DECOY).split('$');
  // An empty key fails the length check below.
  if (scheme !== 'scrypt' || !salt || key === undefined) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return false;
  // Stryker disable next-line ConditionalExpression: the decoy's password was thrown away, so nobody can match it.
  return stored !== undefined;
}
