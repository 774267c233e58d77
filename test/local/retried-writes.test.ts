/**
 * A write whose answer is lost is retried by the SDK, and the retry meets the write's own result. REGISTER and
 * GROUP_CREATE must still answer what happened (the account and the group were created), not `username_taken` /
 * `group_exists`. The lost answer is made with SDK middleware below the retry step, on the handlers' own client.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { useLocalRuntime } from '../support/runtime.js';

/** Sort keys whose first PutItem succeeds but answers with a server error (once each). */
const loseAnswerOf = new Set<string>();
const local = useLocalRuntime();

beforeAll(async () => {
  await local.onDynamo('loseOneAnswer', 'deserialize', (next, context) => async (args) => {
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
  });
});

const connect = () => local.connect();

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
    expect(await client.request(`GROUP_MEMBERS ${group}`)).toEqual({
      status: 'OK',
      data: [name],
      owner: name,
    });
    expect(await client.request(`GROUP_CREATE ${group}`)).toMatchObject({ reason: 'group_exists' });
  });
});
