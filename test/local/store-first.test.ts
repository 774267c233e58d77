/**
 * Store before push: a message whose store fails is never pushed to anyone, on the request path and on the upload
 * path alike (where S3 retries the event twice, and the sender is told after the last try). The failure is made
 * with SDK middleware on the handlers' own DynamoDB client, in this process.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/endpoint.js';
import { upload } from '../support/files.js';
import { useLocalRuntime } from '../support/runtime.js';

let failGroupStores = false;
const local = useLocalRuntime();

beforeAll(async () => {
  await local.onDynamo('injectGroupStoreFailure', 'initialize', (next, context) => async (args) => {
    // Before or after the document client's marshalling: a plain string, or { S: string }.
    const raw = args.input?.Item?.pk;
    const pk = typeof raw === 'string' ? raw : raw?.S;
    if (failGroupStores && context.commandName === 'PutItemCommand' && String(pk).startsWith('GMSG#')) {
      throw Object.assign(new Error('injected: the table is unavailable'), { name: 'InternalServerError' });
    }
    return next(args);
  });
});

async function pair() {
  const { alice, bob } = await local.pair();
  const group = uniqueName('grp');
  await alice.client.request(`GROUP_CREATE ${group}`);
  await bob.client.request(`GROUP_JOIN ${group}`);
  await Promise.all([alice.client.caughtUp(), bob.client.caughtUp()]);
  return { alice, bob, group };
}

describe('a group message whose store fails', () => {
  it('is answered as failed and pushed to nobody', async () => {
    const { alice, bob, group } = await pair();
    failGroupStores = true;
    try {
      expect(await alice.client.request(`SEND_GROUP ${group} lost?`)).toEqual({
        status: 'ERROR',
        data: 'pesan tidak terkirim',
        reason: 'internal_error',
      });
    } finally {
      failGroupStores = false;
    }
    expect(await alice.client.request(`SEND_GROUP ${group} kept`)).toMatchObject({ status: 'OK' });
    // The next push bob gets is the stored one: the failed one was never pushed.
    expect((await bob.client.nextPush()).message).toBe('kept');
    expect(bob.client.pushes).toEqual([]);
  });

  it('arriving as an upload, is pushed to nobody through S3 retries, and the sender hears FILE_FAILED', async () => {
    const { alice, bob, group } = await pair();
    const answer = await alice.client.request(`SEND_GROUP_FILE ${group} report.bin`);
    const form = answer.upload as Parameters<typeof upload>[0];
    failGroupStores = true;
    try {
      expect(await upload(form, Buffer.from('hello'))).toBe(204);
      await local.runtime.uploadsSettled();
    } finally {
      failGroupStores = false;
    }
    expect(await alice.client.nextPush()).toMatchObject({
      event: 'FILE_FAILED',
      id: form.id,
      reason: 'internal_error',
    });
    await alice.client.request(`SEND_GROUP ${group} after`);
    expect((await bob.client.nextPush()).message).toBe('after');
    expect(bob.client.pushes).toEqual([]);
  });
});
