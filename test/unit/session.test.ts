/**
 * SESSION / RESUME / SESSION_END (issue 23): a token that logs a new connection in without the password, revoked by
 * SESSION_END, by PASSWORD (it is bound to the password hash it was made under) and by DELETE_ACCOUNT; every failure
 * is AUTH's `invalid_credentials`, and malformed requests are `bad_request`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';

const t = await useDispatcher();
const AUTH_OK = OK('autentikasi berhasil');
const RESUME_FAILED = ERR('autentikasi gagal', 'invalid_credentials');
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

async function tokenOf(user: { ask(frame: string): Promise<{ status: string; data: { token: string } }> }) {
  const answer = await user.ask('SESSION');
  expect(answer.status).toBe('OK');
  expect(answer.data.token).toMatch(TOKEN);
  return answer.data.token;
}

describe('SESSION and RESUME', () => {
  it('gives a token that logs another connection in as the same user, who then sends and receives', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const answer = await alice.ask('SESSION');
    expect(answer).toEqual(OK({ token: expect.stringMatching(TOKEN), expiresAt: expect.any(String) }));
    expect(Date.parse(answer.data.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const reloaded = await t.device();
    expect(await reloaded.ask(`RESUME ${alice.name.toUpperCase()} ${answer.data.token}`)).toEqual(AUTH_OK);
    expect((await reloaded.ask(`SEND ${bob.name} dari tab baru`)).status).toBe('OK');
    expect(bob.pushes('MESSAGE').at(-1)).toMatchObject({ from: alice.name, message: 'dari tab baru' });
    // The token stays valid for the next reload.
    expect(await (await t.device()).ask(`RESUME ${alice.name} ${answer.data.token}`)).toEqual(AUTH_OK);
  });

  it("refuses another user's token, a made-up token, and a token after SESSION_END", async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const token = await tokenOf(alice);
    const d = await t.device();
    expect(await d.ask(`RESUME ${bob.name} ${token}`)).toEqual(RESUME_FAILED);
    expect(await d.ask(`RESUME ${alice.name} ${'A'.repeat(43)}`)).toEqual(RESUME_FAILED);
    expect(await d.ask(`RESUME ${alice.name} short`)).toEqual(RESUME_FAILED);
    expect(await d.ask(`SESSION_END ${token}`)).toEqual(OK('sesi berakhir'));
    expect(await d.ask(`RESUME ${alice.name} ${token}`)).toEqual(RESUME_FAILED);
    expect((await d.ask('SEND someone hi')).reason).toBe('not_authenticated');
  });

  it('is revoked by PASSWORD and by DELETE_ACCOUNT', async () => {
    const alice = await t.user('alice');
    const token = await tokenOf(alice);
    expect((await alice.ask(`PASSWORD ${PASSWORD} newpassword2`)).status).toBe('OK');
    expect(await (await t.device()).ask(`RESUME ${alice.name} ${token}`)).toEqual(RESUME_FAILED);
    // A token made under the new password works until the account is deleted.
    const fresh = await tokenOf(alice);
    expect(await (await t.device()).ask(`RESUME ${alice.name} ${fresh}`)).toEqual(AUTH_OK);
    expect((await alice.ask('DELETE_ACCOUNT newpassword2')).status).toBe('OK');
    expect(await (await t.device()).ask(`RESUME ${alice.name} ${fresh}`)).toEqual(RESUME_FAILED);
  });

  it('needs a login for SESSION, and answers bad_request to malformed requests', async () => {
    const d = await t.device();
    expect(await d.ask('SESSION')).toEqual(ERR('sesi gagal dibuat', 'not_authenticated'));
    const alice = await t.user('alice');
    expect(await alice.ask('SESSION now')).toEqual(ERR('sesi gagal dibuat', 'bad_request'));
    expect(await d.ask(`RESUME ${alice.name}`)).toEqual(ERR('autentikasi gagal', 'bad_request'));
    expect(await d.ask('RESUME')).toEqual(ERR('autentikasi gagal', 'bad_request'));
    expect(await d.ask('SESSION_END')).toEqual(ERR('sesi gagal diakhiri', 'bad_request'));
    expect(await d.ask('SESSION_END not-a-token')).toEqual(ERR('sesi gagal diakhiri', 'bad_request'));
  });

  it('gives a different token each time, and each works on its own (tokens made concurrently included)', async () => {
    const alice = await t.user('alice');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), async (n) => {
        const tokens = await Promise.all(Array.from({ length: n }, () => tokenOf(alice)));
        expect(new Set(tokens).size).toBe(n);
        const [ended, ...kept] = tokens;
        expect((await alice.ask(`SESSION_END ${ended}`)).status).toBe('OK');
        expect(await (await t.device()).ask(`RESUME ${alice.name} ${ended}`)).toEqual(RESUME_FAILED);
        for (const token of kept)
          expect(await (await t.device()).ask(`RESUME ${alice.name} ${token}`)).toEqual(AUTH_OK);
      }),
      { numRuns: 5 },
    );
  });
});
