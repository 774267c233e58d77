/**
 * Where the black-box suite talks to: WS_URL when given (a deployed stack, LocalStack), otherwise the run's shared
 * local runtime (the integration project's globalSetup, test/support/shared-runtime.ts), otherwise a local runtime
 * started on a free port for this test file.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { ClientOptions } from 'ws';
import { ChatClient } from './client.js';

export interface Endpoint {
  url: string;
  stop(): Promise<void>;
}

export async function startEndpoint(): Promise<Endpoint> {
  const url = process.env.WS_URL;
  if (url) return { url, stop: async () => undefined };
  const shared = inject('obrolRuntimeUrl');
  if (shared) return { url: shared, stop: async () => undefined };
  process.env.OBROL_LOG ??= 'silent';
  const { startRuntime } = await import('../../local/runtime.js');
  const runtime = await startRuntime({ port: 0 });
  return { url: runtime.url, stop: runtime.stop };
}

/** A username no other test (or earlier run against a deployed stack) has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export const PASSWORD = 'correct-horse-9';

export interface User {
  name: string;
  client: ChatClient;
}

/** Registers a fresh user and logs them in on a new connection (`options`: e.g. its `localAddress`). */
export async function loggedIn(endpoint: Endpoint, prefix = 'user', options?: ClientOptions): Promise<User> {
  const name = uniqueName(prefix);
  const client = await ChatClient.connect(endpoint.url, options);
  expectOk(await client.request(`REGISTER ${name} ${PASSWORD} ID ${prefix} tester`));
  expectOk(await client.request(`AUTH ${name} ${PASSWORD}`));
  return { name, client };
}

function expectOk(frame: { status?: string; data?: unknown }) {
  if (frame.status !== 'OK') throw new Error(`expected OK, got ${JSON.stringify(frame)}`);
}

/**
 * The setup every black-box test file shares: an endpoint for the file, and the connections its tests open,
 * all closed after the file's last test.
 */
export function useEndpoint() {
  let endpoint: Endpoint | undefined;
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    endpoint = await startEndpoint();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await endpoint?.stop();
  });
  const current = () => {
    if (!endpoint) throw new Error('the endpoint starts in beforeAll');
    return endpoint;
  };
  return {
    get url() {
      return current().url;
    },
    /** A new connection, not logged in. */
    async connect(): Promise<ChatClient> {
      const client = await ChatClient.connect(current().url);
      clients.push(client);
      return client;
    },
    /** A fresh user, registered and logged in on a new connection. */
    async user(prefix = 'user'): Promise<User> {
      const user = await loggedIn(current(), prefix);
      clients.push(user.client);
      return user;
    },
    /** Fresh users (one per prefix), the first of whom made a fresh group that the others joined. */
    async group<const P extends readonly string[]>(
      ...prefixes: P
    ): Promise<{ group: string; users: { [K in keyof P]: User } }> {
      const users: User[] = [];
      for (const prefix of prefixes) users.push(await this.user(prefix));
      const group = uniqueName('g');
      const [owner, ...others] = users;
      expect(await owner?.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
      for (const member of others)
        expect(await member.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
      return { group, users: users as { [K in keyof P]: User } };
    },
    /** Closes this connection with the others at the end. */
    track(client: ChatClient): ChatClient {
      clients.push(client);
      return client;
    },
  };
}
