/**
 * DELETE_ACCOUNT kata-sandi — deletes the caller's account. In the request: the password is checked (counted like
 * AUTH), the profile becomes a tombstone (the name stays reserved for 30 days; AUTH fails as for an unknown user),
 * every device is logged out (the others told `{"event":"LOGGED_OUT","reason":"account_deleted"}`), and the first
 * steps of the clean-up run. The rest — leaving every group, the inbox, the files the user sent, the blocks and the
 * list of conversations — continues on the worker (shared/account/cleanup.ts), however many groups and messages there
 * are. Messages the user sent stay in the other side's history, under the name they had.
 */
import { cleanUpAccount } from '../account/cleanup.js';
import { logOutOtherDevices, unbindLogin } from '../account/sessions.js';
import { tombstoneUser } from '../data/users.js';
import { splitParams } from '../protocol/codec.js';
import { CommandError, ok } from '../protocol/replies.js';
import { fenceFrom } from '../push/deliver.js';
import { enqueue } from '../queue/jobs.js';
import { defineCommand } from './command.js';
import { requirePassword } from './password.js';

/** Clean-up steps the request runs itself (a user in a few groups with a small inbox is done here). */
export const INLINE_CLEANUP_STEPS = 3;
const INLINE_CLEANUP_MS = 3000;

export const deleteAccount = defineCommand({
  failure: 'hapus akun gagal',
  parse(rest) {
    const params = splitParams(rest, 1);
    return params && { password: params[0] };
  },
  async run({ password }, ctx) {
    const { caller, profile } = await requirePassword(ctx, password);
    // The write names every login that registered before it: each is waited for and logged out if it stands.
    const racing = await tombstoneUser(caller.key, profile.passwordHash, ctx.now);
    if (racing === undefined) throw new CommandError('invalid_credentials');
    await Promise.all([
      logOutOtherDevices(ctx.endpoint, caller.key, ctx.connectionId, 'account_deleted', ctx.now, { racing }),
      // This connection too; a client that closes right after sending DELETE_ACCOUNT disconnects meanwhile, and the
      // clean-up below must still run: nobody could ask again, the password is gone.
      ctx.session().then((state) => unbindLogin(ctx.connectionId, caller.key, state, ctx.now)),
    ]);
    // Every device's copies are gone: a group push decided before is started before the answer, or never (the fence).
    const gone = performance.now();
    const job = { kind: 'account-cleanup', user: caller.key, stage: 'groups' } as const;
    const rest = await cleanUpAccount(job, {
      steps: INLINE_CLEANUP_STEPS,
      deadline: Date.now() + INLINE_CLEANUP_MS,
      // Objects are deleted by the worker only: the request handler has no s3:DeleteObject.
      stopAt: 'files',
    });
    if (rest) await enqueue(rest);
    await fenceFrom(gone);
    return ok('hapus akun berhasil');
  },
});
