/**
 * One chat session: runs the typed commands on an ObrolClient, keeps the current conversation, prints pushes and
 * saves received files. Every command resolves to whether it succeeded (for --script's exit status).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import {
  type Answer,
  allMembers,
  fileCommand,
  ListingError,
  LostRequestError,
  lastMessages,
  type ObrolClient,
  type Push,
  safeFileName,
  sendsInline,
  sentMessageVerifier,
  toBase64,
  upload,
  uploadFormOf,
} from '../client/index.js';
import type { Command, Target } from './commands.js';
import { HELP, passwordProblem } from './commands.js';
import { download, SizeMismatchError } from './downloads.js';
import { clock, failureLine, formatSize, progressBar, pushLine } from './format.js';
import type { Terminal } from './terminal.js';
import { nodeTransport } from './upload.js';
import { visible } from './visible.js';

export type Outcome = 'ok' | 'failed' | 'quit';

export interface SessionOptions {
  downloads: string;
  /** Where passwords come from when they are not typed hidden: OBROL_PASSWORD. */
  envPassword: string | undefined;
}

const targetLabel = (t: Target) => ('group' in t ? `#${t.group}` : t.user);

export class ChatSession {
  private current: Target | undefined;
  /** Who "you" is in printed lines: set when AUTH is sent, since waiting pushes may come before its answer. */
  private loggingIn: string | undefined;
  private readonly downloads = new Set<Promise<void>>();

  constructor(
    private readonly client: ObrolClient,
    private readonly term: Terminal,
    private readonly options: SessionOptions,
  ) {
    client.on('push', (push) => this.onPush(push));
  }

  /** Resolves once every download started so far has finished. */
  async settled(): Promise<void> {
    while (this.downloads.size > 0) await Promise.all([...this.downloads]);
  }

  async run(command: Command): Promise<Outcome> {
    try {
      return await this.execute(command);
    } catch (error) {
      this.term.notice(this.term.errStyle.error(`✗ ${describe(error)}`));
      return 'failed';
    }
  }

  private async execute(c: Command): Promise<Outcome> {
    switch (c.kind) {
      case 'invalid':
        this.term.notice(this.term.errStyle.error(`✗ ${c.message}`));
        return 'failed';
      case 'help':
        this.term.print(HELP);
        return 'ok';
      case 'register':
        return this.register(c.user, c.country, c.name);
      case 'login':
        return this.login(c.user, c.password);
      case 'logout':
        return this.show(await this.client.logout(), 'logged out');
      case 'quit':
        if (this.client.user) await this.client.logout();
        return 'quit';
      case 'msg':
        return this.say({ user: c.user }, c.text);
      case 'group-msg':
        return this.say({ group: c.group }, c.text);
      case 'say':
        if (!this.current)
          return this.fail('no conversation yet: start one with /msg <user> … or /g <group> …');
        return this.say(this.current, c.text);
      case 'create':
        return this.show(await this.client.request(`GROUP_CREATE ${c.group}`), `group #${c.group} created`);
      case 'join':
        return this.show(await this.client.request(`GROUP_JOIN ${c.group}`), `joined #${c.group}`);
      case 'leave':
        return this.show(await this.client.request(`GROUP_LEAVE ${c.group}`), `left #${c.group}`);
      case 'members':
        return this.members(c.group);
      case 'groups':
        return this.groups();
      case 'file':
        return this.sendFile(c.target, c.path);
      case 'history':
        return this.history(c.target ?? this.current, c.count);
      case 'raw': {
        const answer = await this.client.request(c.line);
        this.term.print(visible(JSON.stringify(answer)));
        return answer.status === 'OK' ? 'ok' : 'failed';
      }
    }
  }

  private fail(message: string): Outcome {
    this.term.notice(this.term.errStyle.error(`✗ ${message}`));
    return 'failed';
  }

  /** OK: the readable line; ERROR: the Indonesian failure and its English explanation. */
  private show(answer: Answer, okLine: string): Outcome {
    if (answer.status === 'OK') {
      this.term.print(this.term.style.ok(okLine));
      return 'ok';
    }
    this.term.notice(failureLine(answer, this.term.errStyle));
    return 'failed';
  }

  private async password(
    user: string,
    given: string | undefined,
    twice: boolean,
  ): Promise<string | undefined> {
    if (given !== undefined) return given;
    if (!this.term.interactive) return this.options.envPassword;
    const first = await this.term.askHidden(`password for ${user}: `);
    if (!twice) return first;
    const again = await this.term.askHidden('again: ');
    if (again !== first) {
      this.fail('the passwords differ');
      return undefined;
    }
    return first;
  }

  private async register(user: string, country: string, name: string): Promise<Outcome> {
    const password = await this.password(user, undefined, true);
    if (password === undefined)
      return this.term.interactive ? 'failed' : this.fail('no password: set OBROL_PASSWORD');
    // Checked here: REGISTER's line is split on spaces, so a password with one would shift into the country.
    const problem = passwordProblem(password);
    if (problem) return this.fail(`not registered: ${problem}`);
    const answer = await this.client.request(`REGISTER ${user} ${password} ${country} ${name}`);
    return this.show(answer, `registered ${user}; now /login ${user}`);
  }

  private async login(user: string, given: string | undefined): Promise<Outcome> {
    const password = await this.password(user, given, false);
    if (password === undefined) return this.fail('no password: give it on the line or set OBROL_PASSWORD');
    if (/\s/.test(password)) return this.fail(`not sent: ${passwordProblem(password)}`);
    this.loggingIn = user;
    const answer = await this.client.login(user, password).finally(() => {
      this.loggingIn = undefined;
    });
    if (answer.status === 'OK') this.term.setPrompt(this.promptText());
    return this.show(answer, `logged in as ${user}`);
  }

  private async say(target: Target, text: string): Promise<Outcome> {
    const line = 'group' in target ? `SEND_GROUP ${target.group} ${text}` : `SEND ${target.user} ${text}`;
    const me = this.client.user ?? '';
    const since = Date.now();
    let answer: Answer;
    try {
      answer = await this.client.request(line, { verify: sentMessageVerifier(me, target, text, since) });
    } catch (error) {
      if (error instanceof LostRequestError)
        return this.fail('the connection dropped: the message may not have been sent');
      throw error;
    }
    const echo =
      'group' in target
        ? `${clock(undefined)} ${this.term.style.bold(`#${target.group}`)} you: ${text}`
        : `${clock(undefined)} you → ${this.term.style.name(target.user)}: ${text}`;
    if (answer.status === 'OK') {
      // A sent message makes its conversation the current one (a refused one, e.g. a mistyped name, does not).
      this.current = target;
      this.term.setPrompt(this.promptText());
    }
    return this.show(answer, echo);
  }

  private async members(group: string): Promise<Outcome> {
    try {
      const names = await allMembers((l) => this.client.request(l), group);
      this.term.print(
        `#${group} has ${names.length} member${names.length === 1 ? '' : 's'}: ${names.map(visible).join(', ')}`,
      );
      return 'ok';
    } catch (error) {
      if (error instanceof ListingError) return this.show(error.answer, '');
      throw error;
    }
  }

  private async groups(): Promise<Outcome> {
    const answer = await this.client.request('GROUPS');
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) return this.show(answer, '');
    const names = answer.data.map((g) => `#${visible(g)}`);
    this.term.print(names.length ? `your groups: ${names.join(', ')}` : 'you are in no group');
    return 'ok';
  }

  private async history(target: Target | undefined, count: number): Promise<Outcome> {
    if (!target) return this.fail('which conversation? /history <user-or-#group> [n]');
    try {
      const pushes = await lastMessages((l) => this.client.request(l), target, count);
      if (pushes.length === 0) this.term.print(`no messages with ${targetLabel(target)} yet`);
      for (const push of pushes) this.term.print(pushLine(push, this.me, this.term.style));
      return 'ok';
    } catch (error) {
      if (error instanceof ListingError) return this.show(error.answer, '');
      throw error;
    }
  }

  private async sendFile(target: Target, path: string): Promise<Outcome> {
    const size = (await stat(path)).size;
    const filename = safeFileName(basename(path));
    const label = targetLabel(target);
    if (sendsInline(target, filename, size, await this.client.limits())) {
      const bytes = new Uint8Array(await readFile(path));
      const line = fileCommand(target, filename, toBase64(bytes));
      const answer = await this.client.request(line).catch((error: unknown) => {
        if (error instanceof LostRequestError)
          throw new Error('the connection dropped: the file may not have been sent');
        throw error;
      });
      return this.show(answer, `sent ${filename} (${formatSize(size)}) to ${label}`);
    }
    const answer = await this.client.request(fileCommand(target, filename));
    const form = uploadFormOf(answer);
    if (!form) return this.show(answer, '');
    await upload(form, { filename, body: path, size }, nodeTransport, (sent, total) =>
      this.term.progress(progressBar(sent, total)),
    );
    this.term.endProgress();
    this.term.print(this.term.style.ok(`uploaded ${filename} (${formatSize(size)}) for ${label}`));
    return 'ok';
  }

  private get me(): string | undefined {
    return this.client.user ?? this.loggingIn;
  }

  private promptText(): string {
    const where = this.current ? targetLabel(this.current) : '';
    return `${this.client.user ?? ''}${where ? ` ${where}` : ''}> `;
  }

  private onPush(push: Push): void {
    // The end of a login's backlog: everything from now on arrives live. Nothing to show.
    if (push.event === 'CAUGHT_UP') return;
    this.adoptConversation(push);
    if (push.event === 'FILE' || push.event === 'GROUP_FILE') {
      const job = this.save(push as Push & { url: string; size: number; filename: string });
      this.downloads.add(job);
      void job.finally(() => this.downloads.delete(job));
      return;
    }
    this.term.print(pushLine(push, this.me, this.term.style));
  }

  /** With no current conversation yet, the first one to speak to you becomes it (so a plain line answers). */
  private adoptConversation(push: Push): void {
    if (this.current) return;
    const p = push as { from?: unknown; group?: unknown };
    if (push.event === 'MESSAGE' || push.event === 'FILE') {
      if (typeof p.from === 'string') this.current = { user: p.from };
    } else if (push.event === 'GROUP_MESSAGE' || push.event === 'GROUP_FILE') {
      if (typeof p.group === 'string') this.current = { group: p.group };
    }
    if (this.current) this.term.setPrompt(this.promptText());
  }

  private async save(push: Push & { url: string; size: number; filename: string }): Promise<void> {
    const line = pushLine(push, this.me, this.term.style);
    try {
      const path = await download(push.url, push.size, this.options.downloads, push.filename);
      const shown = visible(path);
      this.term.print(
        `${line} → saved to ${isAbsolute(path) || path.startsWith('.') ? shown : `./${shown}`}`,
      );
    } catch (error) {
      const why =
        error instanceof SizeMismatchError ? `size check failed (${error.message})` : describe(error);
      this.term.print(`${line} → ${this.term.style.error(`not saved: ${visible(why)}`)}`);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no such file: ${(error as NodeJS.ErrnoException).path}` : error.message;
  }
  return String(error);
}
