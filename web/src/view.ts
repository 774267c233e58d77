/**
 * The open conversation's messages as a window over the store: at most MAX_NODES messages are in the DOM, near
 * where the reader is. A message arriving while the reader follows the end is appended (one node, whatever the
 * conversation's length); scrolling towards either edge re-renders a window shifted by CHUNK, and the messages
 * that fall out of it leave the DOM (their data stays in the store, so they come back when scrolled to again).
 */
import { h, t } from './dom.js';
import { type ItemActions, renderDay, renderItem, renderTop } from './render.js';
import { type Conversation, dayKey, findItem, type Item } from './store.js';

/** Messages rendered when a window is drawn, the most kept before it is redrawn, and the step of a scroll. */
export const WINDOW = 120;
export const MAX_NODES = 200;
const CHUNK = 60;
/** Pixels from an edge that count as "at" it. */
const EDGE = 60;

export interface ViewActions extends ItemActions {
  loadOlder(): void;
  me(): string;
  loading(): boolean;
}

export class MessageView {
  private conv: Conversation | undefined;
  private firstId = '';
  private lastId = '';
  private count = 0;
  private lastDay = '';
  private following = true;
  /** The window starts at the conversation's first message (so a message sorted before it belongs in it). */
  private fromStart = false;

  constructor(
    private readonly box: HTMLElement,
    private readonly actions: ViewActions,
  ) {
    box.addEventListener('scroll', () => this.onScroll(), { passive: true });
  }

  /** How many messages are in the DOM (the benchmark and tests read it). */
  get rendered(): number {
    return this.count;
  }

  /** Shows `conv` from its newest message (a conversation just opened). */
  open(conv: Conversation): void {
    this.conv = conv;
    this.following = true;
    const len = conv.items.length;
    this.render(Math.max(0, len - WINDOW), len);
    this.toEnd();
  }

  /** The conversation is no longer shown. */
  close(): void {
    this.conv = undefined;
    this.box.replaceChildren();
    this.count = 0;
  }

  /**
   * The store changed under `conv`. New messages after the window are appended if the reader follows the end; a
   * message that arrived out of order (pushes of messages sent at once can overtake each other) is put in its place
   * in the window, one node; anything else (a local copy replaced, a new day inside the window, a message sorted
   * before the first one of a window that starts at the conversation's beginning) redraws the window, which is
   * bounded, so no change costs more with a longer conversation.
   */
  sync(conv: Conversation): void {
    if (conv !== this.conv) return;
    const items = conv.items;
    const len = items.length;
    const s = this.count ? findItem(conv, this.firstId) : 0;
    const e = this.count ? findItem(conv, this.lastId) : -1;
    const gap = this.count > 0 && s >= 0 && e - s + 1 > this.count;
    // A reader scrolled up keeps the message at the top of the screen where it was.
    const kept = gap && !this.following ? this.anchor() : undefined;
    const inserted = gap && this.insertInside(items, s, e);
    if (inserted && kept) this.restore(kept);
    // Messages that overtook the window's first one when it was the conversation's first: they go on the screen too.
    const early = this.count > 0 && this.fromStart && s > 0;
    if (early || (!inserted && (s < 0 || (this.count && (e < 0 || e - s + 1 !== this.count))))) {
      const anchor = this.anchor();
      const end = this.following ? len : Math.min(len, (early ? 0 : Math.max(0, s)) + WINDOW);
      this.render(Math.max(0, end - WINDOW), end);
      this.following ? this.toEnd() : this.restore(anchor);
      return;
    }
    if (e >= len - 1) {
      this.updateTop(s);
      if (inserted && this.following) this.toEnd();
      return;
    }
    if (!this.following) return;
    if (this.count + (len - 1 - e) > MAX_NODES) {
      this.render(Math.max(0, len - WINDOW), len);
    } else {
      for (let i = e + 1; i < len; i++) this.append(items[i] as Item);
      this.updateTop(s);
    }
    this.toEnd();
  }

  /** One message changed in place (edited, deleted, a fresh file link): only its node is redrawn. */
  replace(conv: Conversation, item: Item): void {
    if (conv !== this.conv) return;
    const old = this.box.querySelector(`article[data-id="${CSS.escape(item.id)}"]`);
    if (!old) return;
    const focused = old.contains(document.activeElement);
    old.replaceWith(renderItem(item, this.actions.me(), this.actions));
    if (focused) this.box.focus();
  }

  /** Older messages were added to the store: show the ones just above the window, keeping the reader's place. */
  olderLoaded(conv: Conversation): void {
    if (conv !== this.conv) return;
    const anchor = this.anchor();
    const s = this.count ? findItem(conv, this.firstId) : conv.items.length;
    const start = Math.max(0, s - CHUNK);
    this.render(start, Math.min(conv.items.length, start + WINDOW));
    this.count && anchor ? this.restore(anchor) : this.toEnd();
  }

  /** The same window drawn again (the language changed), keeping the reader's place. */
  redraw(): void {
    const conv = this.conv;
    if (!conv || !this.count) return;
    const anchor = this.anchor();
    const s = findItem(conv, this.firstId);
    const e = findItem(conv, this.lastId);
    if (s < 0 || e < 0) {
      this.sync(conv);
      return;
    }
    this.render(s, e + 1);
    this.following ? this.toEnd() : this.restore(anchor);
  }

  /** The history cursor or the loading state changed: redraw the top line only. */
  topChanged(conv: Conversation): void {
    if (conv !== this.conv) return;
    this.updateTop(this.count ? findItem(conv, this.firstId) : 0);
  }

  /** The reader's own message: the window goes to the end and follows it from now on. */
  follow(conv: Conversation): void {
    if (conv !== this.conv) return;
    this.following = true;
    this.sync(conv);
    this.toEnd();
  }

  toEnd(): void {
    this.following = true;
    this.box.scrollTop = this.box.scrollHeight;
  }

  private onScroll(): void {
    const conv = this.conv;
    const box = this.box;
    if (!conv || !this.count) return;
    const fromBottom = box.scrollHeight - box.scrollTop - box.clientHeight;
    const len = conv.items.length;
    const s = findItem(conv, this.firstId);
    const e = findItem(conv, this.lastId);
    this.following = fromBottom < EDGE && e === len - 1;
    if (box.scrollTop < EDGE) {
      if (s > 0) {
        const anchor = this.anchor();
        const start = Math.max(0, s - CHUNK);
        this.render(start, Math.min(len, start + WINDOW));
        this.restore(anchor);
      } else if (typeof conv.next === 'string') this.actions.loadOlder();
    } else if (fromBottom < EDGE && e >= 0 && e < len - 1) {
      const anchor = this.anchor();
      const end = Math.min(len, e + 1 + CHUNK);
      this.render(Math.max(0, end - WINDOW), end);
      this.restore(anchor);
      this.following = end === len && box.scrollHeight - box.scrollTop - box.clientHeight < EDGE;
    }
  }

  /** Draws items [start, end) (at most MAX_NODES of them), keeping keyboard focus off `<body>`. */
  private render(start: number, end: number): void {
    const conv = this.conv;
    if (!conv) return;
    const focusedId = this.focusedMessage();
    const items = conv.items.slice(start, end);
    this.fromStart = start === 0;
    this.count = 0;
    this.lastDay = '';
    this.box.replaceChildren(renderTop(conv, this.actions.loading(), start > 0, this.actions.loadOlder));
    for (const item of items) this.append(item);
    this.firstId = items[0]?.id ?? '';
    if (focusedId !== undefined) {
      const again = this.box.querySelector<HTMLElement>(`article[data-id="${CSS.escape(focusedId)}"]`);
      (again ?? this.box).focus({ preventScroll: true });
    }
  }

  private append(item: Item): void {
    const day = dayKey(item.sentAt);
    if (day !== this.lastDay) {
      this.box.append(renderDay(item.sentAt));
      this.lastDay = day;
    }
    this.box.append(renderItem(item, this.actions.me(), this.actions));
    this.lastId = item.id;
    if (!this.count) this.firstId = item.id;
    this.count++;
  }

  /**
   * Puts the messages of items[s..e] that have no node yet after the node of the message before them, when each is
   * of the same day as that message (no day line to add) and the window stays within MAX_NODES. False when the
   * window's nodes are not the other items of s..e in order: then the caller redraws it (which also undoes any
   * node put in before that was found).
   */
  private insertInside(items: readonly Item[], s: number, e: number): boolean {
    if (e - s + 1 > MAX_NODES) return false;
    const nodes = this.box.querySelectorAll<HTMLElement>('article[data-id]');
    let k = 0;
    let before: HTMLElement | undefined;
    for (let i = s; i <= e; i++) {
      const item = items[i] as Item;
      const node = nodes[k];
      if (node?.dataset.id === item.id) {
        before = node;
        k++;
        continue;
      }
      const previous = items[i - 1];
      if (!before || !previous || dayKey(previous.sentAt) !== dayKey(item.sentAt)) return false;
      const fresh = renderItem(item, this.actions.me(), this.actions);
      before.after(fresh);
      before = fresh;
      this.count++;
    }
    return k === nodes.length;
  }

  private updateTop(start: number): void {
    const conv = this.conv;
    const old = this.box.firstElementChild;
    if (!conv || !old || old.tagName === 'ARTICLE') return;
    const focused = old === document.activeElement;
    const top = renderTop(conv, this.actions.loading(), start > 0, this.actions.loadOlder);
    old.replaceWith(top);
    if (focused) (top.tagName === 'BUTTON' ? top : this.box).focus({ preventScroll: true });
  }

  /** The id of the message keyboard focus is in (or on), if any. */
  private focusedMessage(): string | undefined {
    const active = document.activeElement;
    if (!active || !this.box.contains(active) || active === this.box) return undefined;
    return active.closest('article')?.getAttribute('data-id') ?? '';
  }

  /** The first message visible at the top of the box, and how far below the top edge it is. */
  private anchor(): { id: string; offset: number } | undefined {
    const top = this.box.scrollTop;
    for (const node of this.box.querySelectorAll<HTMLElement>('article[data-id]')) {
      if (node.offsetTop + node.offsetHeight > top) {
        return { id: node.dataset.id ?? '', offset: node.offsetTop - top };
      }
    }
    return undefined;
  }

  private restore(anchor: { id: string; offset: number } | undefined): void {
    if (!anchor) return;
    const node = this.box.querySelector<HTMLElement>(`article[data-id="${CSS.escape(anchor.id)}"]`);
    if (node) this.box.scrollTop = node.offsetTop - anchor.offset;
  }
}

/** A short text for screen readers about a message that arrived (the visible log itself is not announced). */
export function announcement(item: Item, conversation: string): string {
  const s = t();
  const what = item.deleted ? s.messageDeleted : (item.text ?? item.file?.filename ?? '');
  return `${conversation}: ${item.from}: ${what}`;
}

export const announcer = (): HTMLElement =>
  h('div', { id: 'announcer', class: 'sr-only', role: 'status', 'aria-live': 'polite' });
