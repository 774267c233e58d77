/**
 * A go/no-go for a deployed stack in well under a minute: `npm run smoke -- <WebSocketUrl>`.
 *
 * Through the protocol client (client/), as any user would: registers two throw-away users, sends a private
 * message, watches presence change, makes a group and talks in it, sends a file inline and one through the upload
 * form (the S3 POST, the bucket notification, the seal, the signed link), downloads both and compares the bytes.
 * Whatever happened, it cleans up after itself: GROUP_DELETE and DELETE_ACCOUNT for what it made (a deleted name stays
 * reserved for 30 days, so the names are random). Every step has a deadline (15 s, and 45 s for all the checks,
 * then the clean-up's own), so even a stack that answers nothing gets its NO-GO within about a minute.
 * Exit 0 on GO, 1 on NO-GO. test/local/smoke.test.ts runs it against the local runtime.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeTransport } from '../cli/upload.js';
import { type Answer, ObrolClient, type Push, toBase64, upload, uploadFormOf } from '../client/index.js';

export interface SmokeStep {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface SmokeResult {
  go: boolean;
  steps: SmokeStep[];
  /** What it made (and deleted): for the test that checks the clean-up. */
  users: { name: string; password: string }[];
  group: string;
}

export interface SmokeOptions {
  /** Deadline of each step, in ms (default 15 s). */
  stepTimeoutMs?: number;
  /** Time for all the checks together, in ms (default 45 s); the clean-up gets one step's deadline after it. */
  checksTimeoutMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

class StepError extends Error {}

function expectOk(answer: Answer, what: string): Answer {
  if (answer.status !== 'OK') {
    throw new StepError(
      `${what} answered ${answer.status} ${JSON.stringify(answer.data)} (${answer.reason})`,
    );
  }
  return answer;
}

/** One logged-in test user: the client and every push it received. */
class Party {
  readonly pushes: Push[] = [];
  private readonly waiters = new Set<() => void>();
  readonly client: ObrolClient;

  constructor(
    url: string,
    readonly name: string,
    readonly password: string,
  ) {
    this.client = new ObrolClient(url).open();
    this.client.on('push', (push) => {
      this.pushes.push(push as Push);
      for (const wake of this.waiters) wake();
    });
  }

  async ask(line: string, what = line.split(' ')[0] as string): Promise<Answer> {
    return expectOk(await this.client.request(line), what);
  }

  /** The first push (received already or later) that `match` accepts. */
  push(match: (push: Push & Record<string, unknown>) => boolean): Promise<Push & Record<string, unknown>> {
    return new Promise((resolve) => {
      const look = () => {
        const found = this.pushes.find((p) => match(p as Push & Record<string, unknown>));
        if (!found) return;
        this.waiters.delete(look);
        resolve(found as Push & Record<string, unknown>);
      };
      this.waiters.add(look);
      look();
    });
  }
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new StepError(`downloading the file answered HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

const sameBytes = (a: Buffer, b: Buffer, what: string) => {
  if (!a.equals(b)) throw new StepError(`${what}: the downloaded bytes differ from the bytes sent`);
};

export async function runSmoke(url: string, options: SmokeOptions = {}): Promise<SmokeResult> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 15_000;
  const checksEnd = Date.now() + (options.checksTimeoutMs ?? 45_000);
  const log = options.log ?? (() => undefined);
  const tag = randomBytes(4).toString('hex');
  const users = ['a', 'b'].map((s) => ({
    name: `smoke_${tag}_${s}`,
    password: randomBytes(12).toString('base64url'),
  }));
  const group = `smoke_${tag}`;
  const steps: SmokeStep[] = [];
  const parties: Party[] = [];
  const made = { users: [] as Party[], group: false };

  /** Runs one check within its deadline: its own, or what is left of the checks' time (the clean-up: its own). */
  const step = async (name: string, run: () => Promise<void>, cleanUp = false): Promise<boolean> => {
    const started = Date.now();
    const limit = cleanUp ? stepTimeoutMs : Math.min(stepTimeoutMs, checksEnd - started);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (limit <= 0) throw new StepError('not run: the time for the checks is up');
      await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StepError(`no answer within ${limit / 1000} s`)), limit);
        }),
      ]);
      steps.push({ name, ok: true, ms: Date.now() - started });
      log(`  ok    ${name} (${Date.now() - started} ms)`);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      steps.push({ name, ok: false, ms: Date.now() - started, error: message });
      log(`  FAIL  ${name}: ${message}`);
      return false;
    } finally {
      clearTimeout(timer);
    }
  };

  const [userA, userB] = users as [(typeof users)[0], (typeof users)[0]];
  const a = new Party(url, userA.name, userA.password);
  const b = new Party(url, userB.name, userB.password);
  parties.push(a, b);
  const tmp = join(tmpdir(), `obrol-smoke-${tag}.bin`);

  const checks = async () => {
    if (!(await step('connect', async () => void (await Promise.all([a.ask('PING'), b.ask('PING')])))))
      return;
    const registered = await step('register two throw-away users', async () => {
      for (const p of [a, b]) {
        await p.ask(`REGISTER ${p.name} ${p.password} ID obrol smoke test`);
        made.users.push(p);
        expectOk(await p.client.login(p.name, p.password), 'AUTH');
      }
    });
    if (!registered) return;
    await step('private message', async () => {
      const text = `smoke ${tag} private`;
      const sent = await a.ask(`SEND ${b.name} ${text}`);
      const got = await b.push((p) => p.event === 'MESSAGE' && p.message === text);
      if (sent.id && got.id !== sent.id)
        throw new StepError('the MESSAGE push has another id than the SEND answer');
    });
    await step('presence (WATCH, STATUS, PRESENCE on logout and login)', async () => {
      await b.ask(`WATCH ${a.name}`);
      const status = (await b.ask(`STATUS ${a.name}`)).data as { online?: boolean };
      if (status.online !== true) throw new StepError(`STATUS says ${a.name} is not online`);
      const mark = b.pushes.length;
      await a.client.logout();
      await b.push((p) => b.pushes.indexOf(p) >= mark && p.event === 'PRESENCE' && p.online === false);
      expectOk(await a.client.login(a.name, a.password), 'AUTH');
      await b.push((p) => b.pushes.indexOf(p) >= mark && p.event === 'PRESENCE' && p.online === true);
    });
    await step('group: create, join, message', async () => {
      await a.ask(`GROUP_CREATE ${group}`);
      made.group = true;
      await b.ask(`GROUP_JOIN ${group}`);
      const text = `smoke ${tag} group`;
      await a.ask(`SEND_GROUP ${group} ${text}`);
      await b.push((p) => p.event === 'GROUP_MESSAGE' && p.message === text);
    });
    await step('inline file: sent, pushed with a link, downloaded intact', async () => {
      const bytes = randomBytes(2048);
      const sent = await a.ask(`SEND_FILE ${b.name} inline.bin ${toBase64(bytes)}`);
      const file = await b.push((p) => p.event === 'FILE' && p.id === sent.id);
      sameBytes(await download(String(file.url)), bytes, 'inline file');
    });
    await step('uploaded file: form, S3 POST, delivery, sealed copy downloaded intact', async () => {
      const bytes = randomBytes(200 * 1024);
      await writeFile(tmp, bytes);
      const answer = await a.ask(`SEND_FILE ${b.name} upload.bin`);
      const form = uploadFormOf(answer);
      if (!form) throw new StepError('SEND_FILE without content gave no upload form');
      await upload(form, { filename: 'upload.bin', body: tmp, size: bytes.length }, nodeTransport);
      // The sender is told FILE_FAILED when the service cannot deliver the upload: no need to wait out the deadline.
      const failed = a
        .push((p) => p.event === 'FILE_FAILED' && p.id === form.id)
        .then((p) => {
          throw new StepError(`the upload was not delivered: FILE_FAILED ${String(p.reason)}`);
        });
      const file = await Promise.race([b.push((p) => p.event === 'FILE' && p.id === form.id), failed]);
      await Promise.race([a.push((p) => p.event === 'FILE_SENT' && p.id === form.id), failed]);
      if (file.size !== bytes.length)
        throw new StepError(`FILE says ${file.size} bytes, ${bytes.length} were sent`);
      sameBytes(await download(String(file.url)), bytes, 'uploaded file');
    });
  };

  try {
    await checks();
  } finally {
    // Clean-up runs whatever failed, and is a step of its own: a smoke test that leaves users behind is no-go.
    await step(
      'clean up (GROUP_DELETE, DELETE_ACCOUNT)',
      async () => {
        if (made.group) await a.ask(`GROUP_DELETE ${group}`);
        for (const p of made.users) {
          // A failed step may have left this connection logged out.
          if (p.client.user === undefined) expectOk(await p.client.login(p.name, p.password), 'AUTH');
          await p.ask(`DELETE_ACCOUNT ${p.password}`);
        }
      },
      true,
    );
    for (const p of parties) p.client.close();
    await rm(tmp, { force: true });
  }
  return { go: steps.every((s) => s.ok), steps, users, group };
}

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url || !/^wss?:\/\//.test(url)) {
    console.error('usage: npm run smoke -- <WebSocketUrl>   (the wss://… output of cdk deploy)');
    process.exit(2);
  }
  console.log(`obrol smoke test against ${url}`);
  const started = Date.now();
  const result = await runSmoke(url, { log: (line) => console.log(line) });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const failed = result.steps.filter((s) => !s.ok);
  console.log(
    result.go
      ? `GO: ${result.steps.length} checks passed in ${seconds} s`
      : `NO-GO: ${failed.map((s) => s.name).join('; ')} (${seconds} s)`,
  );
  process.exit(result.go ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
