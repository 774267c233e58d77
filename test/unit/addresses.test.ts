import { describe, expect, it, vi } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
const { addressKey, windowOf } = await import('../../shared/limits/addresses.js');
const { keys } = await import('../../shared/data/keys.js');

describe('addressKey', () => {
  it('counts an IPv4 address by itself, also when written as IPv4-mapped IPv6', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(addressKey('127.0.0.2')).not.toBe(addressKey('127.0.0.1'));
  });

  it('counts an IPv6 address by its /64 prefix, in one spelling however it is written', () => {
    const key = '2001:db8:a:b::/64';
    expect(addressKey('2001:db8:a:b::1')).toBe(key);
    expect(addressKey('2001:0DB8:000a:000b:ffff:1:2:3')).toBe(key);
    expect(addressKey('2001:db8:a:b:1::')).toBe(key);
    expect(addressKey('2001:db8:a:b:0:0:1.2.3.4')).toBe(key);
    expect(addressKey('2001:db8:a:c::1')).toBe('2001:db8:a:c::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('1:2:3:4:5:6:7:8')).toBe('1:2:3:4::/64');
    expect(addressKey('1::5:6:7:8')).toBe('1:0:0:0::/64');
  });

  it('has no key for a missing or malformed address (nothing is counted)', () => {
    expect(addressKey(undefined)).toBeUndefined();
    expect(addressKey('')).toBeUndefined();
    expect(addressKey('localhost')).toBeUndefined();
    expect(addressKey('300.1.1.1')).toBeUndefined();
    expect(addressKey('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });
});

describe('windowOf', () => {
  it('numbers fixed windows from the epoch and says how many whole seconds are left', () => {
    expect(windowOf(0, 3600)).toEqual({ index: 0, end: 3_600_000, retryAfter: 3600 });
    expect(windowOf(3_599_999, 3600)).toEqual({ index: 0, end: 3_600_000, retryAfter: 1 });
    expect(windowOf(3_600_000, 3600)).toEqual({ index: 1, end: 7_200_000, retryAfter: 3600 });
    expect(windowOf(3_601_500, 3600)).toEqual({ index: 1, end: 7_200_000, retryAfter: 3599 });
    expect(windowOf(125_000, 60)).toEqual({ index: 2, end: 180_000, retryAfter: 55 });
  });

  it('keys one counter per address, kind and window', () => {
    expect(keys.addressBudget('2001:db8:a:b::/64', 'register', 7)).toEqual({
      pk: 'LIMIT#ip#2001:db8:a:b::/64#register',
      sk: 'W#7',
    });
  });
});

describe('spendAddress', () => {
  it('counts nothing, and asks the table nothing, for an unknown or malformed address', async () => {
    const { spendAddress } = await import('../../shared/limits/addresses.js');
    const { db } = await import('../../shared/data/client.js');
    const send = vi.spyOn(db, 'send').mockRejectedValue(new Error('no table in unit tests'));
    try {
      expect(await spendAddress('register', undefined, 0)).toBeUndefined();
      expect(await spendAddress('auth', 'not-an-address', 0)).toBeUndefined();
      expect(send).not.toHaveBeenCalled();
      // A known address does ask the table (here: fails, as the spy answers).
      await expect(spendAddress('create', '203.0.113.7', 0)).rejects.toThrow('no table');
      expect(send).toHaveBeenCalledTimes(1);
    } finally {
      send.mockRestore();
    }
  });
});
