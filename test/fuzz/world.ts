/**
 * The fuzz run's world: a few registered users, groups they belong to, a delivered file and a message, so seeds
 * can name things that exist. Also catches what a handler crash looks like from outside the answers: error logs,
 * unhandled rejections and uncaught exceptions in this process (the runtime runs the handlers in it).
 */
import { randomBytes } from 'node:crypto';
import { ChatClient } from '../support/client.js';
import type { World } from './frames.js';

function expectOk(frame: { status?: unknown }, what: string) {
  if (frame.status !== 'OK') throw new Error(`fuzz setup: ${what} answered ${JSON.stringify(frame)}`);
}

export async function buildWorld(url: string, users = 3): Promise<World> {
  const tag = randomBytes(3).toString('hex');
  const password = 'fuzz-password-1';
  const world: World = {
    users: [],
    password,
    groups: [`fz_${tag}_a`, `fz_${tag}_b`],
    fileIds: [],
    messageIds: [],
  };
  const clients: ChatClient[] = [];
  try {
    for (let i = 0; i < users; i++) {
      const name = `fz_${tag}_${i}`;
      const client = await ChatClient.connect(url);
      clients.push(client);
      expectOk(await client.request(`REGISTER ${name} ${password} ID Fuzz User`), 'REGISTER');
      expectOk(await client.request(`AUTH ${name} ${password}`), 'AUTH');
      world.users.push(name);
    }
    const [owner, ...others] = clients as [ChatClient, ...ChatClient[]];
    for (const group of world.groups) {
      expectOk(await owner.request(`GROUP_CREATE ${group}`), 'GROUP_CREATE');
      for (const other of others) expectOk(await other.request(`GROUP_JOIN ${group}`), 'GROUP_JOIN');
    }
    const to = world.users[1] ?? world.users[0];
    expectOk(await owner.request(`SEND ${to} halo`), 'SEND');
    expectOk(await owner.request(`SEND_FILE ${to} a.txt aGFsbw==`), 'SEND_FILE');
    const pushes = await (clients[1] ?? owner).until(
      () => ((clients[1] ?? owner).pushes.length >= 2 ? (clients[1] ?? owner).pushes : undefined),
      'the setup pushes',
    );
    for (const push of pushes) {
      const id = String(push.id);
      (push.event === 'FILE' ? world.fileIds : world.messageIds).push(id);
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return world;
}

export interface CrashWatch {
  problems: string[];
  stop(): void;
}

/** Collects error-level log lines and unhandled errors while a run lasts; info and warn lines are dropped. */
export function watchForCrashes(): CrashWatch {
  const problems: string[] = [];
  const { log, error } = console;
  const previous = process.env.OBROL_LOG;
  process.env.OBROL_LOG = 'error';
  console.log = () => undefined;
  console.error = (...args: unknown[]) => {
    const line = args.map(String).join(' ');
    if (line.includes('"level":"error"')) problems.push(`error log: ${line.slice(0, 500)}`);
  };
  const onRejection = (reason: unknown) =>
    problems.push(`unhandled rejection: ${String(reason).slice(0, 300)}`);
  const onException = (err: Error) => problems.push(`uncaught exception: ${err.name}: ${err.message}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    problems,
    stop() {
      console.log = log;
      console.error = error;
      if (previous === undefined) delete process.env.OBROL_LOG;
      else process.env.OBROL_LOG = previous;
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
