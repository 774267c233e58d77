/**
 * PASSWORD and DELETE_ACCOUNT when the SDK retries their profile write after it had in fact succeeded (the answer
 * was lost: a "lie"): the retry's condition fails on the change just made, and the command must still answer what
 * happened, with everything that follows it (other devices logged out, the account's clean-up started).
 */
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { attachFaults, db, once } from '../support/faults.js';

const t = await useDispatcher();
const { keys } = await import('../../shared/data/keys.js');
const faults = await attachFaults();

const NEW_PASSWORD = 'newpassword2';
const profileWrite =
  (user: string) => (input: { Key?: { pk?: string; sk?: string }; UpdateExpression?: string }) =>
    input.Key?.pk === keys.user(user).pk && input.Key?.sk === '#PROFILE' && Boolean(input.UpdateExpression);

describe('a profile write retried after it succeeded', () => {
  it('PASSWORD answers OK, the new password works and the other devices are logged out', async () => {
    const alice = await t.user('alice');
    const other = await t.device();
    expect(await other.ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    const lie = faults.inject(db('UpdateItem', 'lie', profileWrite(alice.name.toLowerCase()), once));
    expect(await alice.ask(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toEqual(OK('ubah kata sandi berhasil'));
    faults.reset();
    expect(lie.hits).toBe(1);
    expect(other.pushes('LOGGED_OUT')).toEqual([
      { event: 'LOGGED_OUT', id: expect.any(String), reason: 'password_changed' },
    ]);
    const d = await t.device();
    expect(await d.ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(
      ERR('autentikasi gagal', 'invalid_credentials'),
    );
    expect(await d.ask(`AUTH ${alice.name} ${NEW_PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  });

  it('DELETE_ACCOUNT answers OK and logs out the other devices', async () => {
    const bob = await t.user('bob');
    const other = await t.device();
    expect(await other.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    const lie = faults.inject(db('UpdateItem', 'lie', profileWrite(bob.name.toLowerCase()), once));
    expect(await bob.ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual(OK('hapus akun berhasil'));
    faults.reset();
    expect(lie.hits).toBe(1);
    expect(other.pushes('LOGGED_OUT')).toEqual([
      { event: 'LOGGED_OUT', id: expect.any(String), reason: 'account_deleted' },
    ]);
    expect(await (await t.device()).ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(
      ERR('autentikasi gagal', 'invalid_credentials'),
    );
  });

  it('a change that lost to another (a different password now) still fails', async () => {
    const carol = await t.user('carol');
    const other = await t.device();
    expect(await other.ask(`AUTH ${carol.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await other.ask(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toEqual(OK('ubah kata sandi berhasil'));
    expect(await carol.ask(`PASSWORD ${PASSWORD} another3`)).toMatchObject({ status: 'ERROR' });
    expect(await (await t.device()).ask(`AUTH ${carol.name} ${NEW_PASSWORD}`)).toEqual(
      OK('autentikasi berhasil'),
    );
  });
});
