import { describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
// The stored default (2^15), whatever the suite's own setting (vitest.config.ts lowers it for the other files).
delete process.env.PASSWORD_HASH_N;
const { hashPassword, verifyPassword } = await import('../../shared/auth/password.js');

describe('passwords', () => {
  it('stores a salted scrypt hash, never the password', async () => {
    const a = await hashPassword('correct-horse-9');
    const b = await hashPassword('correct-horse-9');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain('correct-horse');
    expect(a).not.toBe(b);
  });

  it('verifies the right password only', async () => {
    const stored = await hashPassword('correct-horse-9');
    expect(await verifyPassword('correct-horse-9', stored)).toBe(true);
    expect(await verifyPassword('correct-horse-8', stored)).toBe(false);
    expect(await verifyPassword('correct-horse-9', 'plain$text')).toBe(false);
  });

  it('checks against a known hash, with the parameters stored beside it, after NFC normalization', async () => {
    // Made with node:crypto's scryptSync and the salt "0123456789abcdef": the hashes of older parameters stay valid.
    const salt = 'MDEyMzQ1Njc4OWFiY2RlZg==';
    const current = `scrypt$32768$8$1$${salt}$LAJYRR/l9kwkh8vmTVBmFoPT/ywQ0P5vTBRcahruMek=`;
    expect(await verifyPassword('correct-horse-9', current)).toBe(true);
    expect(await verifyPassword('correct-horse-8', current)).toBe(false);
    const older = `scrypt$1024$8$1$${salt}$2jqW5xfop0OgqR8InTQqpVdC8aqStigbThS1CjtpLfA=`;
    // Typed composed or decomposed, "été" is one password.
    expect(await verifyPassword('\u00e9t\u00e9', older)).toBe(true);
    expect(await verifyPassword('e\u0301t\u00e9', older)).toBe(true);
  });

  it('refuses what is not a whole scrypt hash, without throwing', async () => {
    const salt = 'MDEyMzQ1Njc4OWFiY2RlZg==';
    const key = 'LAJYRR/l9kwkh8vmTVBmFoPT/ywQ0P5vTBRcahruMek=';
    for (const stored of [
      `bcrypt$32768$8$1$${salt}$${key}`,
      // An empty salt, with the key scrypt derives from it: refused all the same.
      'scrypt$1024$8$1$$AghDpH/DhLGkiTiLuTtPXD6LbjM7Wy5pE/lfGHi9M8A=',
      `scrypt$32768$8$1$${salt}$`,
      `scrypt$32768$8$1$${salt}`,
      // A key of another length than the one derived.
      `scrypt$32768$8$1$${salt}$${Buffer.alloc(16).toString('base64')}`,
    ])
      expect(await verifyPassword('correct-horse-9', stored)).toBe(false);
  });

  it('refuses every password for a user that does not exist', async () => {
    expect(await verifyPassword('', undefined)).toBe(false);
    expect(await verifyPassword('anything-at-all', undefined)).toBe(false);
  });
});
