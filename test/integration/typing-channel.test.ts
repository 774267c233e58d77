/**
 * TYPING's presence side channel, over real WebSockets: TYPING answers without waiting on the push to the recipient,
 * so neither its answer nor its timing tells whether the recipient is online. A runtime of its own (the process's
 * settings are read once, so no other runtime may share the file), whose pushes to the recipient hang: the answer
 * comes while the push is still held, never after it was given up on. Skipped against a deployed stack (WS_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime.js';
import type { ChatClient } from '../support/client.js';
import { loggedIn } from '../support/endpoint.js';
import { type PushProxy, startProxiedRuntime } from '../support/push-proxy.js';

describe.skipIf(Boolean(process.env.WS_URL))('TYPING', () => {
  let runtime: Runtime;
  let proxy: PushProxy;
  let stopRuntime: (() => Promise<void>) | undefined;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    ({ runtime, proxy, stop: stopRuntime } = await startProxiedRuntime());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stopRuntime?.();
  });

  it('answers before the push to an online recipient is done: the answer does not wait on it', async () => {
    const endpoint = { url: runtime.url, stop: async () => undefined };
    const typist = await loggedIn(endpoint, 'typist');
    const target = await loggedIn(endpoint, 'target');
    clients.push(typist.client, target.client);
    // Find the target's connection id by the push a message makes to it.
    const seen = new Map(proxy.counts);
    const hello = await typist.client.request(`SEND ${target.name} hello`);
    await target.client.nextPush((p) => p.event === 'MESSAGE' && p.id === hello.id);
    const [targetConnection] = [...proxy.counts]
      .filter(([id, n]) => n > (seen.get(id) ?? 0))
      .map(([id]) => id);
    expect(targetConnection).toBeDefined();
    proxy.hang.add(String(targetConnection));

    expect(await typist.client.request(`TYPING ${target.name}`)).toEqual({
      status: 'OK',
      data: 'status mengetik terkirim',
    });
    // Had TYPING waited on its push, the answer would have come only after the push was given up on.
    expect(proxy.abandoned.get(String(targetConnection)) ?? 0).toBe(0);
  });
});
