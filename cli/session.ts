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
  recentConversations,
  safeFileName,
  sendsInline,
  toBase64,
  upload,
  uploadFormOf,
} from '../client/index.js';
import type { Command, MessageRef, Target } from './commands.js';
import { HELP, passwordProblem } from './commands.js';
import { download, SizeMismatchError } from './downloads.js';
import { clock, dated, failureLine, formatSize, progressBar, pushLine, statusLine } from './format.js';
import type { Terminal } from './terminal.js';
import { nodeTransport } from './upload.js';
import { visible } from './visible.js';

/** How many conversations /conversations (and a login) shows. */
const CONVERSATIONS_SHOWN = 20;

export type Outcome = 'ok' | 'failed' | 'quit';

/** TYPING at most this often per conversation (docs/PROTOCOL.md: shown ~5 s, repeats within 3 s dropped). */
const TYPING_EVERY_MS = 3000;
/** A READ waits this long for the newer messages of the same burst. */
const READ_DELAY_MS = 100;

export interface SessionOptions {
  downloads: string;
  /** Where passwords come from when they are not typed hidden: OBROL_PASSWORD. */
  envPassword: string | undefined;
}

const targetLabel = (t: Target) => ('group' in t ? `#${t.group}` : t.user);

/** A client id for SEND_ID / SEND_GROUP_ID: 16 characters of A–Z a–z 0–9 (the protocol takes 8–64 of A–Za–z0–9_-). */
export function newClientId(random: (n: number) => number = (n) => Math.floor(Math.random() * n)): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 16; i++) id += alphabet[random(alphabet.length)];
  return id;
}

/** `* alice waves`: how /me is sent (as an ordinary message, so every client shows it). */
export const meText = (me: string, action: string) => `* ${me} ${action}`;

export class ChatSession {
  private current: Target | undefined;
  /** Your own messages, by the short number shown beside them ([n]), for /edit and /delete. */
  private readonly own: string[] = [];
  /** The id of the last message you sent (from here, or live from another of your devices), for `last`. */
  private lastOwn: string | undefined;
  /** Ids of messages this session sent and already showed: their pushes (another device's echo) are not shown again. */
  private readonly shownIds = new Set<string>();
  /** Names and groups seen this session, for Tab completion (and to tell a group from a user in /file). */
  readonly names = new Set<string>();
  readonly groupNames = new Set<string>();
  /** Messages not read yet, per conversation other than the current one (`bob`, `#kantor`): shown in the prompt. */
  private readonly unread = new Map<string, number>();
  /** The READ to send per conversation, once a burst of messages has arrived. */
  private readonly pendingReads = new Map<string, string>();
  /** When TYPING was last sent, per conversation. */
  private readonly typedAt = new Map<string, number>();
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
      case 'logout': {
        const outcome = this.show(await this.client.logout(), 'logged out');
        this.reset();
        return outcome;
      }
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
        return this.show(
          await this.client.request(`GROUP_CREATE ${c.group}${c.private ? ' private' : ''}`),
          `${c.private ? 'private ' : ''}group #${c.group} created`,
        );
      case 'join':
        return this.show(await this.client.request(`GROUP_JOIN ${c.group}`), `joined #${c.group}`);
      case 'leave': {
        const outcome = this.show(await this.client.request(`GROUP_LEAVE ${c.group}`), `left #${c.group}`);
        if (outcome === 'ok') this.leftGroup(c.group);
        return outcome;
      }
      case 'deletegroup': {
        const answer = await this.client.request(`GROUP_DELETE ${c.group}`);
        const outcome = this.show(answer, `group #${c.group} deleted`);
        if (outcome === 'ok') this.leftGroup(c.group);
        return outcome;
      }
      case 'invite':
        return this.show(
          await this.client.request(`GROUP_INVITE ${c.group} ${c.user}`),
          `invited ${c.user} to #${c.group}`,
        );
      case 'kick':
        return this.show(
          await this.client.request(`GROUP_KICK ${c.group} ${c.user}`),
          `${c.user} removed from #${c.group}`,
        );
      case 'owner':
        return this.show(
          await this.client.request(`GROUP_OWNER ${c.group} ${c.user}`),
          `${c.user} now owns #${c.group}`,
        );
      case 'who':
        return this.who(c.group);
      case 'block':
        return this.show(await this.client.request(`BLOCK ${c.user}`), `${c.user} is blocked`);
      case 'unblock':
        return this.show(await this.client.request(`UNBLOCK ${c.user}`), `${c.user} is no longer blocked`);
      case 'blocked': {
        const answer = await this.client.request('BLOCKED');
        if (answer.status !== 'OK' || !Array.isArray(answer.data)) return this.show(answer, '');
        const names = answer.data.map((n) => visible(n));
        this.term.print(names.length ? `you blocked: ${names.join(', ')}` : 'you blocked nobody');
        return 'ok';
      }
      case 'uninvite':
        return this.show(
          await this.client.request(`GROUP_UNINVITE ${c.group} ${c.user}`),
          `invitation of ${c.user} to #${c.group} taken back`,
        );
      case 'whois': {
        const answer = await this.client.request(`STATUS ${c.user}`);
        if (answer.status !== 'OK') return this.show(answer, '');
        this.term.print(statusLine(answer.data, this.term.style));
        return 'ok';
      }
      case 'watch':
        return this.show(
          await this.client.request(`WATCH ${c.users.join(' ')}`),
          `watching ${c.users.join(', ')}: you will see when they come and go`,
        );
      case 'unwatch':
        return this.show(
          await this.client.request(`UNWATCH ${c.users.join(' ')}`),
          `no longer watching ${c.users.join(', ')}`,
        );
      case 'query':
        this.current = c.target;
        this.unread.delete(targetLabel(c.target).toLowerCase());
        this.term.setPrompt(this.promptText());
        this.term.print(this.term.style.dim(`* now talking with ${targetLabel(c.target)}`));
        return 'ok';
      case 'me':
        if (!this.current) return this.fail('no conversation yet: /query <user-or-#group> first');
        if (!this.client.user) return this.fail('not logged in');
        return this.say(this.current, meText(this.client.user, c.text));
      case 'password':
        return this.changePassword();
      case 'deleteaccount':
        return this.deleteAccount();
      case 'edit':
      case 'delete':
        return this.change(c);
      case 'members':
        return this.members(c.group);
      case 'groups':
        return this.groups();
      case 'conversations':
        return this.conversations();
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
    question = `password for ${user}: `,
  ): Promise<string | undefined> {
    if (given !== undefined) return given;
    if (!this.term.interactive) return this.options.envPassword;
    const first = await this.term.askHidden(question);
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
    if (answer.status === 'OK') {
      this.term.setPrompt(this.promptText());
      // Your groups, for Tab completion and /file.
      void this.client
        .request('GROUPS')
        .then((groups) => {
          if (Array.isArray(groups.data))
            for (const g of groups.data) if (typeof g === 'string') this.groupNames.add(g);
        })
        .catch(() => undefined);
    }
    const outcome = this.show(answer, `logged in as ${user}`);
    // Your private conversations, from the server (a login on a new device lists them too); the prompt does not wait.
    if (outcome === 'ok') void this.conversations().catch(() => undefined);
    return outcome;
  }

  /**
   * Every message carries a client id (SEND_ID / SEND_GROUP_ID): the protocol client resends it after a reconnect,
   * and the service stores and pushes it once however often it comes.
   */
  private async say(target: Target, text: string): Promise<Outcome> {
    const clientId = newClientId();
    const line =
      'group' in target
        ? `SEND_GROUP_ID ${clientId} ${target.group} ${text}`
        : `SEND_ID ${clientId} ${target.user} ${text}`;
    let answer: Answer;
    try {
      answer = await this.client.request(line);
    } catch (error) {
      if (error instanceof LostRequestError)
        return this.fail('the connection dropped: the message may not have been sent');
      throw error;
    }
    if (answer.status !== 'OK') return this.show(answer, '');
    // A sent message makes its conversation the current one (a refused one, e.g. a mistyped name, does not).
    this.current = target;
    this.unread.delete(targetLabel(target).toLowerCase());
    if ('group' in target) this.groupNames.add(target.group);
    else this.names.add(target.user);
    this.term.setPrompt(this.promptText());
    const index = typeof answer.id === 'string' ? this.remember(answer.id) : undefined;
    if (typeof answer.id === 'string') this.lastOwn = answer.id;
    // ✓: a device of the recipient has it (SEND_ID's delivered); later a DELIVERED or READ line says more.
    const tick = answer.delivered === true ? ' ✓' : '';
    const mark = index === undefined ? tick : ` ${this.term.style.dim(`[${index}]`)}${tick}`;
    const shown = visible(text);
    const echo =
      'group' in target
        ? `${clock(undefined)} ${this.term.style.bold(`#${target.group}`)} you: ${shown}${mark}`
        : `${clock(undefined)} you → ${this.term.style.name(target.user)}: ${shown}${mark}`;
    this.term.print(this.term.style.ok(echo));
    return 'ok';
  }

  /** Numbers one of your messages for /edit and /delete, and marks it shown. */
  private remember(id: string): number {
    this.shownIds.add(id);
    const known = this.own.indexOf(id);
    if (known !== -1) return known + 1;
    this.own.push(id);
    return this.own.length;
  }

  private async change(
    c: { kind: 'edit'; index: MessageRef; text: string } | { kind: 'delete'; index: MessageRef },
  ) {
    const id = c.index === 'last' ? this.lastOwn : this.own[c.index - 1];
    if (!id)
      return this.fail(
        c.index === 'last'
          ? 'no last message of yours to change (none sent since you logged in, or it was deleted)'
          : `no message [${c.index}] of yours on this screen`,
      );
    const n = this.own.indexOf(id) + 1;
    if (c.kind === 'edit')
      return this.show(await this.client.request(`EDIT ${id} ${c.text}`), `message [${n}] edited`);
    const outcome = this.show(await this.client.request(`DELETE ${id}`), `message [${n}] deleted`);
    if (outcome === 'ok' && this.lastOwn === id) this.lastOwn = undefined;
    return outcome;
  }

  private async who(group: string): Promise<Outcome> {
    const names: string[] = [];
    let after = '';
    for (;;) {
      const answer = await this.client.request(`WHO ${group}${after ? ` ${after}` : ''}`);
      if (answer.status !== 'OK' || !Array.isArray(answer.data)) return this.show(answer, '');
      names.push(...answer.data.map((n) => visible(n)));
      if (typeof answer.next !== 'string') break;
      after = answer.next;
    }
    this.term.print(
      names.length ? `online in #${group}: ${names.join(', ')}` : `nobody in #${group} is online`,
    );
    return 'ok';
  }

  private async changePassword(): Promise<Outcome> {
    const user = this.client.user;
    if (!user) return this.fail('not logged in');
    if (!this.term.interactive)
      return this.fail('/password needs a terminal (the passwords are typed hidden)');
    const old = await this.term.askHidden('current password: ');
    const fresh = await this.password(user, undefined, true, 'new password: ');
    if (fresh === undefined) return 'failed';
    const problem = passwordProblem(fresh);
    if (problem) return this.fail(`not changed: ${problem}`);
    // The protocol client keeps the new password for its automatic re-login after a reconnect.
    return this.show(
      await this.client.changePassword(old, fresh),
      'password changed; your other devices were logged out',
    );
  }

  private async deleteAccount(): Promise<Outcome> {
    const user = this.client.user;
    if (!user) return this.fail('not logged in');
    const password = this.term.interactive
      ? await this.term.askHidden(`delete the account ${user} for good? type its password to confirm: `)
      : this.options.envPassword;
    if (!password) return this.fail('not deleted: no password given');
    const outcome = this.show(await this.client.deleteAccount(password), `account ${user} deleted`);
    if (outcome === 'ok') this.reset();
    return outcome;
  }

  /** After logout, kick, leave or deletion: no conversation (or not that group), and a prompt that says so. */
  private reset(): void {
    this.current = undefined;
    this.own.length = 0;
    this.lastOwn = undefined;
    this.unread.clear();
    this.term.setPrompt(this.promptText());
  }

  private leftGroup(group: string): void {
    if (this.current && 'group' in this.current && this.current.group.toLowerCase() === group.toLowerCase())
      this.current = undefined;
    this.term.setPrompt(this.promptText());
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

  /** CONVERSATIONS: the most recent private conversations, one line each (also printed at login). */
  private async conversations(): Promise<Outcome> {
    try {
      const listed = await recentConversations((l) => this.client.request(l), CONVERSATIONS_SHOWN);
      for (const item of listed) this.names.add(item.with);
      if (listed.length === 0) this.term.print('no private conversations yet');
      else {
        this.term.print('your conversations, most recent first:');
        for (const item of listed) {
          const who =
            item.from.toLowerCase() === this.client.user?.toLowerCase() ? 'you' : visible(item.from);
          this.term.print(
            `  ${dated(item.sentAt)} ${visible(item.with)} (last: ${who}${item.deleted ? ', deleted' : ''})`,
          );
        }
      }
      return 'ok';
    } catch (error) {
      if (error instanceof ListingError) return this.show(error.answer, '');
      throw error;
    }
  }

  private async groups(): Promise<Outcome> {
    const answer = await this.client.request('GROUPS');
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) return this.show(answer, '');
    for (const g of answer.data) if (typeof g === 'string') this.groupNames.add(g);
    const names = answer.data.map((g) => `#${visible(g)}`);
    this.term.print(names.length ? `your groups: ${names.join(', ')}` : 'you are in no group');
    return 'ok';
  }

  private async history(target: Target | undefined, count: number): Promise<Outcome> {
    if (!target) return this.fail('which conversation? /history <user-or-#group> [n]');
    try {
      const pushes = await lastMessages((l) => this.client.request(l), target, count);
      if (pushes.length === 0) this.term.print(`no messages with ${targetLabel(target)} yet`);
      for (const push of pushes) {
        const p = push as Record<string, unknown>;
        if (this.isMine(p.from) && p.deleted !== true) this.remember(push.id);
        this.term.print(pushLine(push, this.me, this.term.style, (id) => this.indexOf(id), true));
      }
      return 'ok';
    } catch (error) {
      if (error instanceof ListingError) return this.show(error.answer, '');
      throw error;
    }
  }

  private async sendFile(target: Target, path: string): Promise<Outcome> {
    // `/file kantor …` where kantor is one of your groups: a group is written #kantor, never taken for a user.
    if ('user' in target && [...this.groupNames].some((g) => g.toLowerCase() === target.user.toLowerCase()))
      return this.fail(`${target.user} is one of your groups: write /file #${target.user} ${path}`);
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

  private isMine(from: unknown): boolean {
    const me = this.me;
    return typeof from === 'string' && me !== undefined && from.toLowerCase() === me.toLowerCase();
  }

  /** Pushes that change where you are: the prompt follows. */
  private afterPush(push: Push, p: Record<string, unknown>): void {
    if ((push.event === 'GROUP_KICKED' || push.event === 'GROUP_DELETED') && typeof p.group === 'string')
      this.leftGroup(p.group);
    if (push.event === 'LOGGED_OUT') this.reset();
  }

  /** A message shown in the open conversation is read: READ / READ_GROUP up to it (the sender sees the receipt). */
  private markRead(push: Push, p: Record<string, unknown>): void {
    const cur = this.current;
    if (!cur) return;
    let line: string | undefined;
    if (push.event === 'MESSAGE' && 'user' in cur && String(p.from).toLowerCase() === cur.user.toLowerCase())
      line = `READ ${cur.user} ${push.id}`;
    if (
      push.event === 'GROUP_MESSAGE' &&
      'group' in cur &&
      String(p.group).toLowerCase() === cur.group.toLowerCase()
    )
      line = `READ_GROUP ${cur.group} ${push.id}`;
    if (!line) return;
    // READ marks everything up to the id: one per conversation for a burst (a catch-up's BATCH of many
    // messages), the newest, so the sends' budget READ shares is not spent on it.
    const key = targetLabel(cur).toLowerCase();
    const waiting = this.pendingReads.has(key);
    this.pendingReads.set(key, line);
    if (waiting) return;
    setTimeout(() => {
      const newest = this.pendingReads.get(key);
      this.pendingReads.delete(key);
      if (newest) this.client.request(newest).catch(() => undefined);
    }, READ_DELAY_MS);
  }

  private get me(): string | undefined {
    return this.client.user ?? this.loggingIn;
  }

  private promptText(): string {
    const where = this.current ? targetLabel(this.current) : '';
    const waiting = [...this.unread].map(([label, n]) => `${label}:${n}`).join(' ');
    return `${this.client.user ?? ''}${where ? ` ${where}` : ''}${waiting ? ` [${waiting}]` : ''}> `;
  }

  /**
   * You are typing a message in the current conversation: TYPING / TYPING_GROUP, at most once per 3 s per
   * conversation (the service drops repeats within 3 s anyway). Commands (`/…`) are not messages.
   */
  typing(line: string): void {
    const cur = this.current;
    if (!cur || !this.client.user || line.trim() === '' || line.startsWith('/')) return;
    const label = targetLabel(cur);
    const now = Date.now();
    if (now - (this.typedAt.get(label) ?? 0) < TYPING_EVERY_MS) return;
    this.typedAt.set(label, now);
    const request = 'group' in cur ? `TYPING_GROUP ${cur.group}` : `TYPING ${cur.user}`;
    this.client.request(request).catch(() => undefined);
  }

  /** A message from someone else: counted unread unless its conversation is open; a bell for a DM or a mention. */
  private arrived(push: Push, p: Record<string, unknown>): void {
    if (typeof p.from === 'string') this.names.add(p.from);
    if (typeof p.group === 'string') this.groupNames.add(p.group);
    const label = push.event === 'GROUP_MESSAGE' ? `#${String(p.group)}` : String(p.from);
    const open =
      this.current !== undefined && targetLabel(this.current).toLowerCase() === label.toLowerCase();
    const me = this.me;
    const mentioned =
      me !== undefined &&
      typeof p.message === 'string' &&
      p.message.toLowerCase().includes(`@${me.toLowerCase()}`);
    if (push.event === 'MESSAGE' || mentioned) this.term.bell();
    if (open) return;
    const key = label.toLowerCase();
    this.unread.set(key, (this.unread.get(key) ?? 0) + 1);
    this.term.setPrompt(this.promptText());
  }

  private onPush(push: Push): void {
    // The end of a login's backlog: everything from now on arrives live. Nothing to show.
    if (push.event === 'CAUGHT_UP') return;
    const p = push as Record<string, unknown>;
    const isMessage = push.event === 'MESSAGE' || push.event === 'GROUP_MESSAGE';
    // Your own message, already shown when it was sent (it comes back to you, e.g. after a reconnect): once only.
    if (isMessage && this.shownIds.has(push.id)) return;
    if (isMessage && this.isMine(p.from)) {
      this.remember(push.id);
      this.lastOwn = push.id;
    }
    this.adoptConversation(push);
    this.afterPush(push, p);
    if (isMessage && !this.isMine(p.from)) this.arrived(push, p);
    if (isMessage && !this.isMine(p.from)) this.markRead(push, p);
    if (push.event === 'FILE' || push.event === 'GROUP_FILE') {
      const job = this.save(push as Push & { url: string; size: number; filename: string });
      this.downloads.add(job);
      void job.finally(() => this.downloads.delete(job));
      return;
    }
    this.term.print(pushLine(push, this.me, this.term.style, (id) => this.indexOf(id)));
  }

  /** The short number of one of your messages, if it has one. */
  private indexOf(id: unknown): number | undefined {
    const i = typeof id === 'string' ? this.own.indexOf(id) : -1;
    return i === -1 ? undefined : i + 1;
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
