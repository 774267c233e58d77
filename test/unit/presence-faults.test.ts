/**
 * Presence is secondary to logins (shared/delivery/presence.ts): when recording it fails, AUTH and LOGOUT still
 * answer OK and the failure is logged; and a login that binds while the last device's departure is being recorded
 * is announced online again after the offline news, so watchers end with the truth.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import { OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { attachFaults, db } from '../support/faults.js';
import { captureLogs, type LogLine } from '../support/logs.js';

const t = await useDispatcher();
const { db: table, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const { departed } = await import('../../shared/delivery/presence.js');
const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
const { intercept } = await import('../support/fakes.js');
const { dynamo } = await import('../../shared/data/client.js');
const faults = await attachFaults();

let warnings: LogLine[];

beforeEach(() => {
  warnings = captureLogs('warn', ['error']);
  faults.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  faults.reset();
});

/** A registered user `name`, watched by a logged-in user who shares a conversation with them. */
async function watched(prefix: string) {
  const name = t.fresh(prefix);
  const d = await t.device();
  expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID ${name} Full`)).toEqual(OK('registrasi berhasil'));
  const watcher = await t.user('watcher');
  expect((await watcher.ask(`SEND ${name} halo`)).status).toBe('OK');
  expect(await watcher.ask(`WATCH ${name}`)).toEqual(OK('pantau berhasil'));
  return { name, key: userKeyOf(name), device: d, watcher };
}

const presenceOf = (pushes: Record<string, unknown>[]) => pushes.map((p) => p.online);

describe('presence failures never fail a login', () => {
  it('AUTH answers OK when the online mark cannot be written, and logs it', async () => {
    const x = await watched('presx');
    // The online mark's writes only: the login's registration on the same item (issue 22) is not presence.
    faults.inject(
      db(
        'UpdateItem',
        'error',
        (input) =>
          input.Key?.pk === keys.user(x.key).pk &&
          input.Key?.sk === '#PROFILE' &&
          String(input.UpdateExpression).includes('onlineUntil'),
      ),
    );
    expect(await x.device.ask(`AUTH ${x.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'presence: could not announce a login',
        user: x.key,
      }),
    ]);
    expect(x.watcher.pushes('PRESENCE')).toEqual([]);
  });

  it('LOGOUT answers OK when the departure cannot be recorded, and logs it', async () => {
    const x = await watched('presy');
    expect(await x.device.ask(`AUTH ${x.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    faults.inject(
      db(
        'UpdateItem',
        'error',
        (input) => input.Key?.pk === keys.user(x.key).pk && input.Key?.sk === '#PROFILE',
      ),
    );
    expect(await x.device.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'presence: could not record a departure',
        connectionId: x.device.id,
        user: x.key,
      }),
    ]);
  });
});

describe('a login racing the last departure', () => {
  it('is announced online again after the offline news', async () => {
    const x = await watched('presz');
    expect(await x.device.ask(`AUTH ${x.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(presenceOf(x.watcher.pushes('PRESENCE'))).toEqual([true]);
    // The last device's copies are gone; while its departure clears the online mark, another device binds.
    await table.send(
      new (await import('@aws-sdk/lib-dynamodb')).DeleteCommand({
        TableName: TABLE,
        Key: keys.userConnection(x.key, x.device.id),
      }),
    );
    const late = 'late-device';
    let raced = false;
    intercept(dynamo, 'login-during-departure', (next, context) => async (args) => {
      const result = await next(args);
      // The departure's clearing of the online mark (the input may be marshalled here: matched as text).
      const input = JSON.stringify(args.input);
      if (
        !raced &&
        String(context.commandName).startsWith('Update') &&
        input.includes(keys.user(x.key).pk) &&
        input.includes('REMOVE onlineUntil')
      ) {
        raced = true;
        const expiresAt = Math.floor(Date.now() / 1000) + 3600;
        await table.send(
          new PutCommand({ TableName: TABLE, Item: { ...keys.userConnection(x.key, late), expiresAt } }),
        );
      }
      return result;
    });
    try {
      await departed(x.device.id, x.key, Date.now());
    } finally {
      dynamo.middlewareStack.remove('login-during-departure');
    }
    expect(raced).toBe(true);
    await t.runJobs();
    expect(presenceOf(x.watcher.pushes('PRESENCE'))).toEqual([true, false, true]);
    expect(await x.watcher.ask(`STATUS ${x.name}`)).toMatchObject(OK({ user: x.name, online: true }));
  });
});
