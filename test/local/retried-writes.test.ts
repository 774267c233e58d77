/**
 * A write whose answer is lost is retried by the SDK, and the retry meets the write's own result. REGISTER and
 * GROUP_CREATE must still answer what happened (the account and the group were created), not `username_taken` /
 * `group_exists`. The lost answer is made with SDK middleware below the retry step, on the handlers' own client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime.js';
import { ChatClient } from '../support/client.js';
import { PASSWORD, uniqueName } from '../support/endpoint.js';

let runtime: Runtime;
/** Sort keys whose first PutItem succeeds but answers with a server error (once each). */
const loseAnswerOf = new Set<string>();
const clients: ChatClient[] = [];

beforeAll(async () => {
  delete process.env.WS_URL;
  process.env.OBROL_LOG ??= 'silent';
  const { startRuntime } = await import('../../local/runtime.js');
  runtime = await startRuntime({ port: 0 });
  const { dynamo } = await import('../../shared/data/client.js');
  dynamo.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: SDK middleware is generic over every command.
    (next: any, context: any) => async (args: any) => {
      const result = await next(args);
      const item = args.input?.Item;
      const key = `${item?.pk?.S}|${item?.sk?.S}`;
      if (context.commandName === 'PutItemCommand' && loseAnswerOf.delete(key)) {
        throw Object.assign(new Error('injected: the answer was lost'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
      }
      return result;
    },
    { step: 'deserialize', name: 'loseOneAnswer' },
  );
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await runtime.stop();
});

async function connect() {
  const client = await ChatClient.connect(runtime.url);
  clients.push(client);
  return client;
}

describe('a write retried after it succeeded', () => {
  it('REGISTER answers registrasi berhasil, and the account works', async () => {
    const name = uniqueName('ann');
    loseAnswerOf.add(`USER#${name}|#PROFILE`);
    const client = await connect();
    expect(await client.request(`REGISTER ${name} ${PASSWORD} ID Ann`)).toEqual({
      status: 'OK',
      data: 'registrasi berhasil',
    });
    expect(loseAnswerOf.size).toBe(0);
    expect(await client.request(`AUTH ${name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    // A second REGISTER of the name is still refused.
    expect(await client.request(`REGISTER ${name} ${PASSWORD} ID Ann`)).toMatchObject({
      reason: 'username_taken',
    });
  });

  it('GROUP_CREATE answers grup berhasil dibuat, and the creator is its member', async () => {
    const name = uniqueName('ann');
    const client = await connect();
    await client.request(`REGISTER ${name} ${PASSWORD} ID Ann`);
    await client.request(`AUTH ${name} ${PASSWORD}`);
    const group = uniqueName('grp');
    loseAnswerOf.add(`GROUP#${group}|META`);
    loseAnswerOf.add(`USER#${name}|GROUP#${group}`);
    expect(await client.request(`GROUP_CREATE ${group}`)).toEqual({
      status: 'OK',
      data: 'grup berhasil dibuat',
    });
    expect(loseAnswerOf.size).toBe(0);
    expect(await client.request(`GROUP_MEMBERS ${group}`)).toEqual({ status: 'OK', data: [name] });
    expect(await client.request(`GROUP_CREATE ${group}`)).toMatchObject({ reason: 'group_exists' });
  });
});
