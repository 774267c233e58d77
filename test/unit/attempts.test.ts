import { describe, expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
process.env.AUTH_MAX_FAILURES = '10';
process.env.AUTH_MAX_FAILURES_PER_IP = '100';
const { countersFor } = await import('../../shared/auth/attempts.js');
const { isDeviceParam, withEntry, REMEMBER_MS, MAX_ENTRIES, isKnown } = await import(
  '../../shared/auth/known.js'
);

describe('which failure counters a password check takes a slot on', () => {
  it('a stranger: the account from this address, the account, the address', () => {
    expect(countersFor({ userKey: userKeyOf('u'), address: '1.2.3.4', known: false })).toEqual([
      { scope: 'pair', subject: 'u#1.2.3.4', limit: 10 },
      { scope: 'user', subject: 'u', limit: 10 },
      { scope: 'ip', subject: '1.2.3.4', limit: 100 },
    ]);
  });

  it('an address or device the account logged in from: only its own count', () => {
    expect(countersFor({ userKey: userKeyOf('u'), address: '1.2.3.4', known: true })).toEqual([
      { scope: 'pair', subject: 'u#1.2.3.4', limit: 10 },
    ]);
    expect(countersFor({ userKey: userKeyOf('u'), address: '1.2.3.4', device: 'D', known: true })).toEqual([
      { scope: 'device', subject: 'u#D', limit: 10 },
    ]);
  });

  it('a logged-in session: only its own count, whatever it knows', () => {
    for (const known of [true, false])
      expect(countersFor({ userKey: userKeyOf('u'), address: '1.2.3.4', session: 'c1', known })).toEqual([
        { scope: 'session', subject: 'u#c1', limit: 10 },
      ]);
  });

  it('no address: the account only', () => {
    expect(countersFor({ userKey: userKeyOf('u'), address: undefined, known: false })).toEqual([
      { scope: 'user', subject: 'u', limit: 10 },
    ]);
  });
});

describe('known addresses and devices', () => {
  it('keeps the most recent few, forgets the old ones', () => {
    const now = 10 * REMEMBER_MS;
    let map: Record<string, number> = { old: now - REMEMBER_MS };
    for (let i = 0; i < MAX_ENTRIES + 5; i++) map = withEntry(map, `a${i}`, now - 1000 + i);
    expect(Object.keys(map)).toHaveLength(MAX_ENTRIES);
    expect(map.old).toBeUndefined();
    expect(map.a0).toBeUndefined();
    expect(map[`a${MAX_ENTRIES + 4}`]).toBe(now - 1000 + MAX_ENTRIES + 4);
    const known = { addresses: map, devices: { d: now - REMEMBER_MS + 1 }, version: 1 };
    expect(isKnown(known, `a${MAX_ENTRIES + 4}`, 'd', now)).toEqual({ address: true, device: true });
    expect(isKnown(known, 'a0', 'd', now + 1)).toEqual({ address: false, device: false });
  });

  it('takes `-` or a 22-character token as the device parameter', () => {
    expect(isDeviceParam('-')).toBe(true);
    expect(isDeviceParam('abcdefghijklmnopqrstu_')).toBe(true);
    for (const bad of ['', '--', 'abcdefghijklmnopqrstu', 'abcdefghijklmnopqrstu+', 'x'.repeat(3000)])
      expect(isDeviceParam(bad)).toBe(false);
  });
});
