import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../shared/auth/password.js';

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

  it('refuses every password for a user that does not exist', async () => {
    expect(await verifyPassword('', undefined)).toBe(false);
    expect(await verifyPassword('anything-at-all', undefined)).toBe(false);
  });
});
