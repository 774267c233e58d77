/**
 * The chat page's behaviour: what each form and button does, and what each push changes. Protocol lines are
 * built here and sent through the shared protocol client (client/: framing, BATCH, de-duplication, one request in
 * flight, PING, reconnect with re-AUTH); state lives in the store; drawing is render.ts.
 */
import {
  type Answer,
  allMembers,
  type ConnectionState,
  fileCommand,
  historyCommand,
  ListingError,
  LostRequestError,
  ObrolClient,
  type Push,
  type RequestOptions,
  recentConversations,
  safeFileName,
  sendsInline,
  sentMessageVerifier,
  type Conversation as Target,
  toBase64,
  upload,
  uploadFormOf,
  xhrTransport,
} from '../../client/index.js';
import { currentLang, setLang, t } from './dom.js';
import { type Lang, reasonText } from './i18n.js';
import type { Layout } from './layout.js';
import { renderSidebar } from './render.js';
import {
  addItems,
  applyChange,
  applyReceipts,
  type Conversation,
  type Conversations,
  ensure,
  findItem,
  type Item,
  keyOf,
  noteActivity,
  placeOf,
  removeItem,
  sorted,
} from './store.js';
import { MessageView } from './view.js';

const LANG_KEY = 'obrol.lang';
const URL_KEY = 'obrol.url';
const NOTICE_MS = 10_000;
/**
 * The resume token (SESSION) and the private conversations seen, per tab (sessionStorage: a reload keeps them,
 * closing the tab forgets them): never the password.
 */
const SESSION_KEY = 'obrol.session';
const RECENT_KEY = 'obrol.recent';
const RECENT_MAX = 50;
const TITLE = 'obrol';
/** TYPING at most once per 3 s per conversation (the service drops repeats within 3 s anyway). */
const TYPING_EVERY_MS = 3000;
/** How long "bob is typing…" stays without a new TYPING (docs/PROTOCOL.md: there is no "stopped" event, ~5 s). */
const TYPING_SHOW_MS = 5000;

export class App {
  private client: ObrolClient;
  private me = '';
  private convs: Conversations = new Map();
  private openKey: string | undefined;
  private loading = false;
  private localIds = 0;
  private linkState: ConnectionState = 'connecting';
  private readonly view: MessageView;
  /** A logout still being sent (SESSION_END, LOGOUT): a new login waits for it. */
  private loggingOut: Promise<void> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  /** One of your messages in the composer to edit, and the draft it took the place of. */
  private editing: { key: string; id: string; draft: string } | undefined;
  /** The message the delete dialog asks about. */
  private deleting: { key: string; id: string } | undefined;
  /** When TYPING was last sent, per conversation. */
  private readonly typingSent = new Map<string, number>();
  /** Who is typing where (conversation key → lower-case name → shown name and the timer that clears it). */
  private readonly typers = new Map<
    string,
    Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>
  >();

  constructor(
    private readonly ui: Layout,
    defaultUrl: string,
  ) {
    const url = localStorage.getItem(URL_KEY) || defaultUrl;
    ui.serverUrl.value = url;
    this.view = new MessageView(ui.messages, {
      download: (item) => void this.download(item),
      refreshPreview: (item, img) => {
        // A stored file's link may have expired: ask for a fresh one (a local copy has none to refresh).
        if (item.local) return;
        void this.refreshLink(item).then((ok) => {
          if (ok && item.file?.url) img.src = item.file.url;
        });
      },
      loadOlder: () => {
        const conv = this.current();
        if (conv) void this.loadOlder(conv);
      },
      edit: (item) => this.startEdit(item),
      remove: (item) => this.askDelete(item),
      me: () => this.me,
      loading: () => this.loading,
    });
    this.client = this.connect(url);
    this.wire();
    const lang = (localStorage.getItem(LANG_KEY) as Lang | null) ?? 'id';
    this.setLanguage(lang === 'en' ? 'en' : 'id');
    this.showAccount();
    const saved = savedSession();
    if (saved) void this.resume(saved.user, saved.token);
  }

  private connect(url: string): ObrolClient {
    const client = new ObrolClient(url);
    client.on('push', (push) => this.onPush(push));
    client.on('state', ({ state }) => this.onState(state));
    client.on('reauthFailed', (answer) => this.onLoggedOut(answer));
    return client.open();
  }

  /** A request whose failure is an answer too: a lost or refused request becomes an ERROR the page explains. */
  private async ask(line: string, options: RequestOptions = {}): Promise<Answer> {
    try {
      return await this.client.request(line, options);
    } catch (error) {
      const lost = error instanceof LostRequestError;
      return { status: 'ERROR', data: lost ? t().lost : t().error, reason: lost ? 'lost' : 'internal_error' };
    }
  }

  private wire(): void {
    const ui = this.ui;
    ui.langSelect.addEventListener('change', () => this.setLanguage(ui.langSelect.value as Lang));
    ui.settingsForm.addEventListener('submit', (e) => {
      e.preventDefault();
      localStorage.setItem(URL_KEY, ui.serverUrl.value);
      this.client.close();
      this.client = this.connect(ui.serverUrl.value);
      this.me = '';
      ui.settings.open = false;
      this.showAccount();
    });
    ui.loginForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.login();
    });
    ui.registerForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.register();
    });
    ui.logout.addEventListener('click', () => void this.logout());
    ui.notify.hidden = !('Notification' in window) || Notification.permission !== 'default';
    ui.notify.addEventListener('click', () => {
      void Notification.requestPermission().then(() => {
        ui.notify.hidden = Notification.permission !== 'default';
      });
    });
    ui.newChat.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = ui.peerInput.value.trim();
      ui.peerInput.value = '';
      ensure(this.convs, 'user', name);
      this.open(keyOf('user', name));
    });
    ui.groupForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.groupAction('GROUP_CREATE');
    });
    ui.joinGroup.addEventListener('click', () => {
      if (ui.groupForm.reportValidity()) void this.groupAction('GROUP_JOIN');
    });
    ui.back.addEventListener('click', () => this.close());
    ui.membersButton.addEventListener('click', () => void this.members());
    ui.leaveButton.addEventListener('click', () => void this.leave());
    ui.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.sendText();
    });
    ui.text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.sendText();
      } else if (e.key === 'Escape' && this.editing) {
        e.preventDefault();
        this.cancelEdit();
      }
    });
    ui.cancelEdit.addEventListener('click', () => this.cancelEdit());
    ui.confirmNo.addEventListener('click', () => ui.confirmDelete.close());
    ui.confirmYes.addEventListener('click', () => {
      const target = this.deleting;
      ui.confirmDelete.close();
      if (target) void this.deleteMessage(target);
    });
    ui.confirmDelete.addEventListener('close', () => {
      const target = this.deleting;
      this.deleting = undefined;
      // Back to the message's Delete button (or the list, if the message is no longer drawn).
      const button = target
        ? ui.messages.querySelector<HTMLElement>(`article[data-id="${CSS.escape(target.id)}"] button.delete`)
        : null;
      (button ?? ui.messages).focus();
    });
    ui.fileInput.addEventListener('change', () => {
      const file = ui.fileInput.files?.[0];
      ui.fileInput.value = '';
      if (file) void this.sendFile(file);
    });
    ui.conversation.addEventListener('dragover', (e) => {
      e.preventDefault();
      ui.conversation.classList.add('dropping');
    });
    ui.conversation.addEventListener('dragleave', () => ui.conversation.classList.remove('dropping'));
    ui.conversation.addEventListener('drop', (e) => {
      e.preventDefault();
      ui.conversation.classList.remove('dropping');
      const file = e.dataTransfer?.files[0];
      if (file) void this.sendFile(file);
    });
    ui.text.addEventListener('input', () => {
      const conv = this.current();
      // While editing, the composer holds the message: the draft waits in `editing` (and TYPING is not sent).
      if (!conv || this.editing) return;
      conv.draft = ui.text.value;
      this.sendTyping(conv);
    });
    // Back to the tab with a conversation open: what it shows is read now.
    document.addEventListener('visibilitychange', () => {
      const conv = this.current();
      if (document.visibilityState === 'visible' && conv && conv.unread > 0) {
        conv.unread = 0;
        this.drawSidebar();
      }
    });
  }

  // ── account ──────────────────────────────────────────────────────────────

  private async login(): Promise<void> {
    const user = this.ui.loginUser.value.trim();
    const password = this.ui.loginPass.value;
    await this.loggingOut;
    // Waiting messages may arrive around the answer: they are placed as soon as the name is known.
    this.me = user;
    const answer = await this.client.login(user, password).catch(() => undefined);
    if (!answer) return;
    if (answer.status !== 'OK') {
      this.me = '';
      this.fail(answer);
      return;
    }
    this.ui.loginPass.value = '';
    this.showChat();
    await this.loadLists();
    // A token the server can revoke, so that a reload logs in again without the password.
    const session = await this.ask('SESSION');
    const token = (session.data as { token?: unknown } | undefined)?.token;
    if (session.status === 'OK' && typeof token === 'string') {
      sessionStorage.setItem(SESSION_KEY, JSON.stringify({ user, token }));
    }
  }

  /** Logs in with the saved token (a reload, or a reconnect of a resumed page); a refused token is forgotten. */
  private async resume(user: string, token: string): Promise<void> {
    const first = this.me === '';
    this.me = user;
    if (first) this.restoreRecent();
    const answer = await this.ask(`RESUME ${user} ${token}`);
    if (answer.status !== 'OK') {
      if (answer.reason === 'lost') return;
      forgetSession();
      this.me = '';
      this.convs = new Map();
      this.showAccount();
      return;
    }
    if (!first) return;
    this.showChat();
    await this.loadLists();
  }

  /**
   * The private conversations of this tab, shown at once after a reload (names only, newest first) while the server's
   * listing (CONVERSATIONS, in loadLists) is on its way; it also keeps a conversation opened but never written to.
   */
  private restoreRecent(): void {
    try {
      const names = JSON.parse(sessionStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
      if (Array.isArray(names))
        for (const name of names) if (typeof name === 'string') ensure(this.convs, 'user', name);
    } catch {
      sessionStorage.removeItem(RECENT_KEY);
    }
  }

  private saveRecent(): void {
    if (!this.me || !sessionStorage.getItem(SESSION_KEY)) return;
    const names = sorted(this.convs)
      .filter((c) => c.kind === 'user')
      .slice(0, RECENT_MAX)
      .map((c) => c.name);
    sessionStorage.setItem(RECENT_KEY, JSON.stringify(names));
  }

  private async register(): Promise<void> {
    const ui = this.ui;
    const answer = await this.ask(
      `REGISTER ${ui.regUser.value.trim()} ${ui.regPass.value} ${ui.regCountry.value.trim().replace(/\s+/g, '_')} ${ui.regName.value.trim()}`,
    );
    if (answer.status !== 'OK') return this.fail(answer);
    ui.loginUser.value = ui.regUser.value.trim();
    ui.regPass.value = '';
    this.info(t().registered);
    ui.loginPass.focus();
  }

  private async logout(): Promise<void> {
    const saved = savedSession();
    forgetSession();
    this.endEdit();
    for (const who of this.typers.values()) for (const w of who.values()) clearTimeout(w.timer);
    this.typers.clear();
    this.drawTyping();
    this.me = '';
    this.convs = new Map();
    this.openKey = undefined;
    this.view.close();
    this.ui.invites.replaceChildren();
    this.ui.invites.hidden = true;
    document.title = TITLE;
    this.showAccount();
    // The page is logged out at once; the server is told in order: the token ends first (a reload can never
    // resume it), then LOGOUT. While the connection is down both wait in the protocol client's queue, and a new
    // login waits for them (pushes of the old login must not land in the new one's conversations).
    const done = (async () => {
      if (saved) await this.ask(`SESSION_END ${saved.token}`);
      await this.client.logout().catch(() => undefined);
    })();
    this.loggingOut = done;
    await done;
    if (this.loggingOut === done) this.loggingOut = undefined;
  }

  private onLoggedOut(answer: Answer): void {
    forgetSession();
    this.me = '';
    this.showAccount();
    this.fail(answer);
  }

  // ── conversations ────────────────────────────────────────────────────────

  /** The groups (GROUPS) and the most recent private conversations (CONVERSATIONS), both from the server. */
  private async loadLists(): Promise<void> {
    await Promise.all([this.loadGroups(), this.loadConversations()]);
  }

  private async loadGroups(): Promise<void> {
    const answer = await this.ask('GROUPS');
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) return this.fail(answer);
    for (const name of answer.data) if (typeof name === 'string') ensure(this.convs, 'group', name);
    this.draw();
  }

  private async loadConversations(): Promise<void> {
    try {
      const listed = await recentConversations((line) => this.ask(line), RECENT_MAX);
      for (const item of listed) noteActivity(ensure(this.convs, 'user', item.with), item.sentAt);
      this.draw();
      this.saveRecent();
    } catch (error) {
      if (error instanceof ListingError) this.fail(error.answer);
    }
  }

  private current(): Conversation | undefined {
    return this.openKey ? this.convs.get(this.openKey) : undefined;
  }

  private open(key: string): void {
    const conv = this.convs.get(key);
    if (!conv) return;
    this.endEdit();
    this.openKey = key;
    conv.unread = 0;
    this.ui.text.value = conv.draft ?? '';
    this.ui.membersPanel.hidden = true;
    this.ui.chat.classList.add('has-open');
    this.draw();
    this.view.open(conv);
    this.drawTyping();
    if (conv.next === undefined) void this.loadOlder(conv);
    this.ui.text.focus();
  }

  private close(): void {
    this.endEdit();
    this.openKey = undefined;
    this.drawTyping();
    this.ui.text.value = '';
    this.view.close();
    this.ui.chat.classList.remove('has-open');
    this.draw();
    this.ui.convList.querySelector('button')?.focus();
  }

  private async loadOlder(conv: Conversation): Promise<void> {
    if (this.loading || conv.next === null) return;
    this.loading = true;
    this.view.topChanged(conv);
    const answer = await this.ask(historyCommand(target(conv), conv.next ?? undefined));
    this.loading = false;
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) {
      if (conv.next === undefined) conv.next = null;
      if (answer.reason === 'unknown_recipient' || answer.reason === 'unknown_group') {
        this.convs.delete(conv.key);
        if (this.openKey === conv.key) this.close();
      }
      this.draw();
      this.view.topChanged(conv);
      return this.fail(answer);
    }
    const items = (answer.data as Push[])
      .map((p) => placeOf(p, this.me)?.item)
      .filter((i) => i !== undefined);
    const first = conv.next === undefined;
    addItems(conv, items);
    const readUpTo = typeof answer.readUpTo === 'string' ? answer.readUpTo : undefined;
    applyReceipts(conv, this.me, readUpTo ? { kind: 'readUpTo', upTo: readUpTo } : undefined);
    conv.next = answer.next ?? null;
    this.drawSidebar();
    if (first) this.view.open(conv);
    else this.view.olderLoaded(conv);
  }

  private onPush(push: Push): void {
    // Logged out (or not yet logging in): nothing of an earlier login's pushes is kept for the next one.
    if (!this.me) return;
    if (push.event === 'FILE_FAILED') {
      this.alert(t().fileFailed);
      return;
    }
    // PASSWORD or DELETE_ACCOUNT on another device: the server has unbound this connection already.
    if (push.event === 'LOGGED_OUT') {
      void this.logout().then(() => this.alert(t().loggedOutElsewhere));
      return;
    }
    // Private groups and owners (issue 12): an invitation is offered with a Join button; a group one was removed
    // from (or that was deleted) stays listed, marked, with its composer disabled.
    const { group = '', by = '' } = push as { group?: string; by?: string };
    if (push.event === 'TYPING') {
      this.onTyping(push);
      return;
    }
    if (push.event === 'GROUP_INVITED') {
      this.invited(group, by);
      return;
    }
    if (push.event === 'GROUP_KICKED' || push.event === 'GROUP_DELETED') {
      const conv = this.convs.get(keyOf('group', group));
      if (conv) conv.gone = true;
      this.info(push.event === 'GROUP_KICKED' ? t().groupKicked(group, by) : t().groupDeleted(group));
      this.draw();
      return;
    }
    // Sent → delivered → read on your own private messages (issue 23).
    if ((push.event === 'READ' && !group) || push.event === 'DELIVERED') {
      const conv = this.convs.get(keyOf('user', by));
      const upTo = String((push as { upTo?: unknown }).upTo ?? '');
      const kind = push.event === 'READ' ? 'readUpTo' : 'deliveredUpTo';
      if (conv)
        for (const item of applyReceipts(conv, this.me, { kind, upTo })) this.view.replace(conv, item);
      return;
    }
    const changed = applyChange(this.convs, push);
    if (changed) {
      const item = changed.items.find((i) => i.id === push.id);
      if (item) this.view.replace(changed, item);
      return;
    }
    const place = placeOf(push, this.me);
    if (!place?.name) return;
    const conv = ensure(this.convs, place.kind, place.name);
    const added = addItems(conv, [place.item]);
    const seen = conv.key === this.openKey && document.visibilityState === 'visible';
    const fromOther = place.item.from.toLowerCase() !== this.me.toLowerCase();
    if (added > 0 && !seen && fromOther) conv.unread += added;
    // Their message is here: they are no longer "typing".
    if (fromOther) this.stopTyping(conv.key, place.item.from);
    if (added > 0 && fromOther) {
      const text = place.item.text ?? place.item.file?.filename ?? '';
      const label = conv.kind === 'group' ? `# ${conv.name}` : conv.name;
      this.ui.announcer.textContent = t().newMessageFrom(label, place.item.from, text);
      this.notify(label, place.item.from, text);
    }
    this.drawSidebar();
    this.view.sync(conv);
  }

  // ── sending ──────────────────────────────────────────────────────────────

  private async sendText(): Promise<void> {
    if (this.editing) return this.saveEdit();
    const conv = this.current();
    const text = this.ui.text.value.replace(/^\s+|\s+$/g, '');
    if (!conv || conv.gone || text === '') return;
    this.ui.text.value = '';
    conv.draft = '';
    const item: Item = {
      id: `local-${++this.localIds}`,
      from: this.me,
      sentAt: new Date().toISOString(),
      text,
      local: true,
    };
    addItems(conv, [item]);
    this.drawSidebar();
    this.view.follow(conv);
    // A private message goes as SEND_ID (safe to resend, and its answer tells whether it was delivered); a group
    // message as SEND_GROUP: if the connection drops before its answer, the newest history page tells if it landed.
    const line =
      conv.kind === 'user'
        ? `SEND_ID ${crypto.randomUUID()} ${conv.name} ${text}`
        : `SEND_GROUP ${conv.name} ${text}`;
    const answer = await this.ask(line, {
      verify: sentMessageVerifier(this.me, target(conv), text, Date.parse(item.sentAt)),
    });
    if (answer.status !== 'OK') {
      removeItem(conv, item);
      if (conv === this.current()) this.ui.text.value ||= text;
      else conv.draft ||= text;
      this.view.sync(conv);
      this.fail(answer);
    } else if (typeof answer.id === 'string') {
      // The answer names the stored message: the local copy becomes it (history will not show it twice).
      removeItem(conv, item);
      addItems(conv, [{ ...item, id: answer.id, local: false, delivered: answer.delivered === true }]);
      applyReceipts(conv, this.me);
      this.view.sync(conv);
    }
  }

  // ── edit, delete, typing ─────────────────────────────────────────────────

  /** Edit: your message goes into the composer (what was typed there waits), marked as editing. */
  private startEdit(item: Item): void {
    const conv = this.current();
    const now = conv?.items[findItem(conv, item.id)];
    if (!conv || conv.gone || !now || now.deleted || now.text === undefined) return;
    this.editing = { key: conv.key, id: now.id, draft: this.editing?.draft ?? this.ui.text.value };
    this.ui.text.value = now.text;
    this.showEditing(true);
    this.ui.text.focus();
    this.ui.text.setSelectionRange(now.text.length, now.text.length);
  }

  /** Esc or Cancel: the composer gets back what was typed before the edit. */
  private cancelEdit(): void {
    if (!this.editing) return;
    this.endEdit();
    this.ui.text.focus();
  }

  /** Leaves the editing state, putting the waiting draft back in the composer. */
  private endEdit(): void {
    const editing = this.editing;
    if (!editing) return;
    this.editing = undefined;
    this.ui.text.value = editing.draft;
    const conv = this.convs.get(editing.key);
    if (conv) conv.draft = editing.draft;
    this.showEditing(false);
  }

  private showEditing(on: boolean): void {
    this.ui.editing.hidden = !on;
    this.ui.composer.classList.toggle('editing', on);
    this.ui.text.setAttribute('aria-describedby', on ? 'editing-note composer-hint' : 'composer-hint');
  }

  /** EDIT: on OK the message shows its new text here (the connection that edits gets no MESSAGE_EDITED). */
  private async saveEdit(): Promise<void> {
    const editing = this.editing;
    const text = this.ui.text.value.replace(/^\s+|\s+$/g, '');
    if (!editing || text === '') return;
    const answer = await this.ask(`EDIT ${editing.id} ${text}`);
    // Refused: the composer keeps the text, still editing, so it can be fixed or cancelled.
    if (answer.status !== 'OK') return this.fail(answer);
    if (this.editing === editing) this.endEdit();
    this.changed({
      event: 'MESSAGE_EDITED',
      id: editing.id,
      message: text,
      editedAt: new Date().toISOString(),
    });
  }

  /** Delete asks first, in a modal dialog that shows the message; Cancel and Esc keep it. */
  private askDelete(item: Item): void {
    const conv = this.current();
    if (!conv) return;
    this.deleting = { key: conv.key, id: item.id };
    const quote = this.ui.confirmDelete.querySelector('.quote');
    if (quote) quote.textContent = item.text ?? item.file?.filename ?? '';
    this.ui.confirmDelete.showModal();
    this.ui.confirmNo.focus();
  }

  private async deleteMessage(target: { key: string; id: string }): Promise<void> {
    const answer = await this.ask(`DELETE ${target.id}`);
    if (answer.status !== 'OK') return this.fail(answer);
    if (this.editing?.id === target.id) this.endEdit();
    this.changed({ event: 'MESSAGE_DELETED', id: target.id });
  }

  /** Applies an edit or a deletion made from this page, as the push would for another device. */
  private changed(change: { event: string; id: string; [field: string]: unknown }): void {
    const conv = applyChange(this.convs, change as Push);
    const item = conv?.items[findItem(conv, change.id)];
    if (conv && item) this.view.replace(conv, item);
  }

  /** Typing in an open conversation: TYPING / TYPING_GROUP, at most once per 3 s, only while connected. */
  private sendTyping(conv: Conversation): void {
    if (conv.gone || this.ui.text.value.trim() === '' || this.linkState !== 'online' || !this.me) return;
    const now = Date.now();
    if (now - (this.typingSent.get(conv.key) ?? 0) < TYPING_EVERY_MS) return;
    this.typingSent.set(conv.key, now);
    const line = conv.kind === 'group' ? `TYPING_GROUP ${conv.name}` : `TYPING ${conv.name}`;
    // Best effort: a refused or lost TYPING (rate_limited, offline) is not worth an alert.
    this.client.request(line).catch(() => undefined);
  }

  /** Their TYPING: "bob is typing…" under the conversation for 5 s, or until bob's message arrives. */
  private onTyping(push: Push): void {
    const f = push as { from?: unknown; group?: unknown };
    if (typeof f.from !== 'string' || f.from.toLowerCase() === this.me.toLowerCase()) return;
    const key = typeof f.group === 'string' ? keyOf('group', f.group) : keyOf('user', f.from);
    let who = this.typers.get(key);
    if (!who) {
      who = new Map();
      this.typers.set(key, who);
    }
    const id = f.from.toLowerCase();
    clearTimeout(who.get(id)?.timer);
    who.set(id, { name: f.from, timer: setTimeout(() => this.stopTyping(key, id), TYPING_SHOW_MS) });
    this.drawTyping();
  }

  private stopTyping(key: string, from: string): void {
    const who = this.typers.get(key);
    const entry = who?.get(from.toLowerCase());
    if (!who || !entry) return;
    clearTimeout(entry.timer);
    who.delete(from.toLowerCase());
    if (who.size === 0) this.typers.delete(key);
    this.drawTyping();
  }

  private drawTyping(): void {
    const who = this.openKey ? this.typers.get(this.openKey) : undefined;
    const names = who ? [...who.values()].map((w) => w.name) : [];
    const text = names.length > 0 ? t().typing(names) : '';
    if (this.ui.typing.textContent !== text) this.ui.typing.textContent = text;
  }

  private async sendFile(file: File): Promise<void> {
    const conv = this.current();
    if (!conv || conv.gone) return;
    const name = safeFileName(file.name);
    if (sendsInline(target(conv), name, file.size, await this.client.limits())) {
      const content = toBase64(new Uint8Array(await file.arrayBuffer()));
      const answer = await this.ask(fileCommand(target(conv), name, content));
      if (answer.status !== 'OK') return this.fail(answer);
      const contentType = file.type || 'application/octet-stream';
      // The sender gets no push for an inline file: its own copy previews from memory (a blob: URL).
      const preview = contentType.startsWith('image/') ? { url: URL.createObjectURL(file) } : {};
      const info = { filename: name, size: file.size, contentType, ...preview };
      const id = typeof answer.id === 'string' ? answer.id : '';
      const sentAt = new Date().toISOString();
      addItems(conv, [
        { id: id || `local-${++this.localIds}`, from: this.me, sentAt, file: info, local: !id },
      ]);
      this.drawSidebar();
      this.view.follow(conv);
      return;
    }
    const answer = await this.ask(fileCommand(target(conv), name));
    const form = uploadFormOf(answer);
    if (!form) return this.fail(answer);
    // The FILE_SENT push shows the file in the conversation once the upload has landed.
    const progress = transferRow(this.ui.transfers, form.id, name);
    try {
      await upload(form, { filename: name, body: file, size: file.size }, xhrTransport, progress.update);
      progress.done();
    } catch {
      progress.failed();
    }
  }

  /** A download with a fresh link when the one we hold has expired (or is about to). */
  async download(item: Item): Promise<void> {
    const file = item.file;
    if (!file) return;
    if (!file.url || !file.expiresAt || Date.parse(file.expiresAt) < Date.now() + 30_000) {
      if (!(await this.refreshLink(item))) return;
    }
    const a = document.createElement('a');
    a.href = item.file?.url ?? '';
    a.download = file.filename;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
  }

  private async refreshLink(item: Item): Promise<boolean> {
    const answer = await this.ask(`FILE_URL ${item.id}`);
    const data = answer.data as { url?: string; expiresAt?: string } | undefined;
    if (answer.status !== 'OK' || !data?.url || !item.file) {
      this.fail(answer);
      return false;
    }
    item.file = { ...item.file, url: data.url, ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}) };
    return true;
  }

  // ── groups ───────────────────────────────────────────────────────────────

  private async groupAction(word: 'GROUP_CREATE' | 'GROUP_JOIN'): Promise<void> {
    const name = this.ui.groupInput.value.trim();
    const answer = await this.ask(`${word} ${name}`);
    if (answer.status !== 'OK') return this.fail(answer);
    this.ui.groupInput.value = '';
    this.info(word === 'GROUP_CREATE' ? t().groupCreated(name) : t().groupJoined(name));
    const conv = ensure(this.convs, 'group', name);
    conv.next = undefined;
    conv.gone = false;
    this.ui.invites.querySelector(`li[data-group="${CSS.escape(name.toLowerCase())}"]`)?.remove();
    this.ui.invites.hidden = this.ui.invites.childElementCount === 0;
    this.open(conv.key);
  }

  /** An invitation: a line in the sidebar with Join and Dismiss, until one is used (one line per group). */
  private invited(group: string, by: string): void {
    const list = this.ui.invites;
    const key = group.toLowerCase();
    list.querySelector(`li[data-group="${CSS.escape(key)}"]`)?.remove();
    const s = t();
    const item = document.createElement('li');
    item.dataset.group = key;
    const text = document.createElement('span');
    text.textContent = s.groupInvited(group, by);
    const join = document.createElement('button');
    join.type = 'button';
    join.className = 'join';
    join.textContent = s.join;
    join.setAttribute('aria-label', s.joinGroupNamed(group));
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'dismiss';
    dismiss.textContent = s.dismiss;
    dismiss.setAttribute('aria-label', s.dismissInvite(group));
    const done = () => {
      item.remove();
      list.hidden = list.childElementCount === 0;
    };
    join.addEventListener('click', () => {
      void this.ask(`GROUP_JOIN ${group}`).then((answer) => {
        if (answer.status !== 'OK') return this.fail(answer);
        done();
        this.info(t().groupJoined(group));
        const conv = ensure(this.convs, 'group', group);
        conv.gone = false;
        conv.next = undefined;
        this.open(conv.key);
      });
    });
    dismiss.addEventListener('click', () => {
      done();
      this.ui.convList.querySelector('button')?.focus();
    });
    item.append(text, join, dismiss);
    list.append(item);
    list.hidden = false;
    this.ui.announcer.textContent = s.groupInvited(group, by);
  }

  private async members(): Promise<void> {
    const conv = this.current();
    if (conv?.kind !== 'group') return;
    let names: string[];
    try {
      names = await allMembers((line) => this.client.request(line), conv.name);
    } catch (error) {
      return this.fail(error instanceof ListingError ? error.answer : { status: 'ERROR', data: t().error });
    }
    const panel = this.ui.membersPanel;
    const heading = document.createElement('h3');
    heading.textContent = t().membersOf(conv.name);
    const list = document.createElement('ul');
    list.append(...names.map((n) => Object.assign(document.createElement('li'), { textContent: n })));
    panel.replaceChildren(heading, list);
    panel.hidden = false;
  }

  private async leave(): Promise<void> {
    const conv = this.current();
    if (conv?.kind !== 'group') return;
    const answer = await this.ask(`GROUP_LEAVE ${conv.name}`);
    if (answer.status !== 'OK') return this.fail(answer);
    this.convs.delete(conv.key);
    this.info(t().groupLeft(conv.name));
    this.close();
  }

  // ── drawing and messages ────────────────────────────────────────────────

  private setLanguage(lang: Lang): void {
    localStorage.setItem(LANG_KEY, lang);
    this.ui.langSelect.value = lang;
    setLang(lang);
    this.onState(this.linkState);
    this.draw();
    this.view.redraw();
    this.drawTyping();
  }

  private onState(state: ConnectionState): void {
    // A page logged in by token has no password for the client's own re-login: it resumes again itself.
    const saved = savedSession();
    if (state === 'online' && this.linkState !== 'online' && this.me && !this.client.user && saved) {
      void this.resume(saved.user, saved.token);
    }
    this.linkState = state;
    const s = t();
    const text = {
      online: s.online,
      connecting: s.connecting,
      authenticating: s.connecting,
      offline: s.offline,
    };
    this.ui.status.textContent = state === 'closed' ? s.offline : text[state];
    this.ui.status.dataset.state = state;
    this.ui.status.title = this.ui.status.textContent;
  }

  private showAccount(): void {
    this.ui.account.hidden = false;
    this.ui.chat.hidden = true;
    this.ui.logout.hidden = true;
    this.ui.whoami.textContent = '';
  }

  private showChat(): void {
    this.ui.account.hidden = true;
    this.ui.chat.hidden = false;
    this.ui.logout.hidden = false;
    this.ui.alert.hidden = true;
    this.ui.notice.hidden = true;
    this.draw();
  }

  private drawSidebar(): void {
    renderSidebar(this.ui.convList, this.convs, this.openKey, (key) => this.open(key));
    this.saveRecent();
    // The tab's title counts what is unread, so a background tab shows it.
    let unread = 0;
    for (const conv of this.convs.values()) unread += conv.unread;
    document.title = unread > 0 ? `(${unread}) ${TITLE}` : TITLE;
  }

  /** A desktop notification for a message from someone else while the tab is hidden (if allowed). */
  private notify(conversation: string, from: string, text: string): void {
    if (document.visibilityState === 'visible' || !('Notification' in window)) return;
    if (Notification.permission !== 'granted') return;
    const note = new Notification(conversation, { body: `${from}: ${text}`, tag: conversation });
    note.onclick = () => {
      window.focus();
      note.close();
    };
  }

  /** The sidebar and the open conversation's header; its messages are the view's (never redrawn whole). */
  private draw(): void {
    const ui = this.ui;
    if (this.me) ui.whoami.textContent = t().loggedInAs(this.me);
    this.drawSidebar();
    const conv = this.current();
    ui.conversation.hidden = !conv;
    ui.empty.hidden = !!conv;
    if (!conv) return;
    ui.title.textContent = conv.kind === 'group' ? `# ${conv.name}` : conv.name;
    ui.membersButton.hidden = conv.kind !== 'group' || !!conv.gone;
    ui.leaveButton.hidden = conv.kind !== 'group' || !!conv.gone;
    // Removed from the group, or the group was deleted: shown, but nothing can be sent there.
    const gone = !!conv.gone;
    ui.gone.hidden = !gone;
    ui.text.disabled = gone;
    ui.fileInput.disabled = gone;
    ui.composer.classList.toggle('disabled', gone);
    const send = ui.composer.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (send) send.disabled = gone;
  }

  private fail(answer: Answer): void {
    this.alert(reasonText(t(), answer.reason, answer.data));
    if (answer.reason) this.ui.alert.dataset.reason = answer.reason;
  }

  private alert(text: string): void {
    const el = this.ui.alert;
    el.textContent = text;
    delete el.dataset.reason;
    el.hidden = false;
  }

  private info(text: string): void {
    const el = this.ui.notice;
    el.textContent = text;
    el.hidden = false;
    this.ui.alert.hidden = true;
    // A notice is news, not a state: it leaves after a while, giving the conversation its room back.
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      if (el.textContent === text) el.hidden = true;
    }, NOTICE_MS);
  }

  get lang(): Lang {
    return currentLang();
  }
}

function savedSession(): { user: string; token: string } | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as {
      user?: unknown;
      token?: unknown;
    };
    if (typeof saved?.user === 'string' && typeof saved.token === 'string')
      return { user: saved.user, token: saved.token };
  } catch {}
  return undefined;
}

function forgetSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(RECENT_KEY);
}

/** The shared client's name for a conversation. */
function target(conv: Conversation): Target {
  return conv.kind === 'group' ? { group: conv.name } : { user: conv.name };
}

/** A labelled progress bar for one upload, with its percentage as text. */
function transferRow(box: HTMLElement, id: string, name: string) {
  const bar = document.createElement('progress');
  bar.max = 100;
  bar.value = 0;
  bar.id = `upload-${id}`;
  const label = document.createElement('label');
  label.htmlFor = bar.id;
  label.textContent = t().uploading(name);
  const percent = document.createElement('span');
  percent.className = 'percent';
  percent.textContent = '0%';
  const row = document.createElement('div');
  row.className = 'transfer';
  row.append(label, bar, percent);
  box.append(row);
  return {
    update: (sent: number, total: number) => {
      const value = total > 0 ? Math.round((sent / total) * 100) : 100;
      bar.value = value;
      percent.textContent = `${value}%`;
    },
    done: () => {
      label.textContent = t().uploaded(name);
      row.classList.add('done');
      setTimeout(() => row.remove(), 8000);
    },
    failed: () => {
      label.textContent = t().uploadFailed(name);
      row.classList.add('failed');
    },
  };
}
