/**
 * Bench users and groups. Accounts and memberships are written straight into the local table in the very item
 * shapes REGISTER, GROUP_CREATE and GROUP_JOIN write (shared/data/users.ts, groups.ts), with one password hash
 * shared by all of them: scrypt is deliberately slow, and a thousand REGISTERs would measure nothing but scrypt.
 * Logging in still goes through AUTH over a real WebSocket, so every connection and group connection is the app's.
 */
import { ChatClient } from '../test/support/client.js';

export const PASSWORD = 'bench-password-1';

type Table = {
  keys: typeof import('../shared/data/keys.js').keys;
  batchWrite: typeof import('../shared/data/table.js').batchWrite;
  hashPassword: typeof import('../shared/auth/password.js').hashPassword;
};

async function table(): Promise<Table> {
  const [{ keys }, { batchWrite }, { hashPassword }] = await Promise.all([
    import('../shared/data/keys.js'),
    import('../shared/data/table.js'),
    import('../shared/auth/password.js'),
  ]);
  return { keys, batchWrite, hashPassword };
}

let hash: Promise<string> | undefined;

/** Creates accounts for `names` (already valid usernames), as REGISTER would. */
export async function seedUsers(names: readonly string[]): Promise<void> {
  const { keys, batchWrite, hashPassword } = await table();
  hash ??= hashPassword(PASSWORD);
  const passwordHash = await hash;
  const createdAt = new Date().toISOString();
  await batchWrite(
    names.map((username) => ({
      ...keys.user(username.toLowerCase()),
      username,
      passwordHash,
      country: 'ID',
      name: `bench ${username}`,
      createdAt,
    })),
  );
}

/** Creates a group owned by `members[0]` with all of `members` in it, as GROUP_CREATE + GROUP_JOIN would. */
export async function seedGroup(name: string, members: readonly string[]): Promise<void> {
  const { keys, batchWrite } = await table();
  const groupKey = name.toLowerCase();
  const now = new Date().toISOString();
  await batchWrite([
    { ...keys.group(groupKey), name, owner: (members[0] as string).toLowerCase(), createdAt: now },
    ...members.flatMap((username) => [
      { ...keys.groupMember(groupKey, username.toLowerCase()), username, joinedAt: now },
      { ...keys.userGroup(username.toLowerCase(), groupKey), group: name, joinedAt: now },
    ]),
  ]);
}

export function expectOk(frame: { status?: string; data?: unknown }, what: string): void {
  if (frame.status !== 'OK') throw new Error(`${what}: expected OK, got ${JSON.stringify(frame)}`);
}

/** A new connection logged in as `name`. */
export async function login(url: string, name: string): Promise<ChatClient> {
  const client = await ChatClient.connect(url);
  expectOk(await client.request(`AUTH ${name} ${PASSWORD}`), `AUTH ${name}`);
  // The login's catch-up runs on the worker after the answer: waited for here, so no row that logs in during its
  // set-up counts it.
  await client.caughtUp();
  return client;
}

/** Logs `names` in with at most `concurrency` AUTHs at a time (each runs scrypt once). */
export async function loginAll(
  url: string,
  names: readonly string[],
  concurrency: number,
  online: Map<string, ChatClient>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      if (!online.has(name)) online.set(name, await login(url, name));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
