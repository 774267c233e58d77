/**
 * A local runtime in this test process, for tests that reach into it (fault-injecting SDK middleware on the
 * handlers' own clients, seeding the table): started before the file's tests, stopped after them with every
 * connection the tests opened.
 */
import { afterAll, beforeAll } from 'vitest';
import type { ClientOptions } from 'ws';
import type { Runtime, RuntimeOptions } from '../../local/runtime.js';
import { ChatClient } from './client.js';
import { loggedIn, type User } from './endpoint.js';
import { attachFaults, type Faults } from './faults.js';

// biome-ignore lint/suspicious/noExplicitAny: SDK middleware is generic over every command.
export type Middleware = (next: any, context: any) => (args: any) => Promise<any>;

/** `env`: settings the handlers read once, set before the runtime loads them (e.g. a small upload limit). */
export function useLocalRuntime({
  env = {},
  ...options
}: RuntimeOptions & { env?: Record<string, string> } = {}) {
  let runtime: Runtime | undefined;
  let faults: Promise<Faults> | undefined;
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    delete process.env.WS_URL;
    process.env.OBROL_LOG ??= 'silent';
    Object.assign(process.env, env);
    const { startRuntime } = await import('../../local/runtime.js');
    runtime = await startRuntime({ port: 0, ...options });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await runtime?.stop();
  });
  const current = () => {
    if (!runtime) throw new Error('the runtime starts in beforeAll');
    return runtime;
  };
  return {
    get runtime() {
      return current();
    },
    /** A new connection, not logged in; `options.localAddress` picks its source address. */
    async connect(options?: ClientOptions): Promise<ChatClient> {
      const client = await ChatClient.connect(current().url, options);
      clients.push(client);
      return client;
    },
    /** A fresh user, registered and logged in on a new connection (from `options.localAddress` when given). */
    async user(prefix: string, options?: ClientOptions): Promise<User> {
      const user = await loggedIn({ url: current().url, stop: async () => undefined }, prefix, options);
      clients.push(user.client);
      return user;
    },
    /** Two fresh users, alice and bob, each logged in. */
    async pair(): Promise<{ alice: User; bob: User }> {
      return { alice: await this.user('alice'), bob: await this.user('bob') };
    },
    /** Closes these connections with the others at the end. */
    track(...more: ChatClient[]) {
      clients.push(...more);
    },
    /**
     * The recorder and fault injector on the handlers' own DynamoDB, S3, @connections and SQS clients
     * (test/support/faults.ts): attached once, on first use.
     */
    faults(): Promise<Faults> {
      faults ??= attachFaults();
      return faults;
    },
    /** Adds middleware to the handlers' DynamoDB client (shared/data/client.ts), at `step`. */
    async onDynamo(name: string, step: 'initialize' | 'deserialize', middleware: Middleware) {
      const { dynamo } = await import('../../shared/data/client.js');
      if (step === 'initialize') dynamo.middlewareStack.add(middleware, { step, name });
      else dynamo.middlewareStack.add(middleware, { step, name });
    },
  };
}
