/** Draws the sidebar and the open conversation from the store: pure reads of state, no protocol. */
import { h, t } from './dom.js';
import { type Conversation, type Conversations, dayKey, humanSize, type Item, sorted } from './store.js';

export function renderSidebar(
  list: HTMLElement,
  convs: Conversations,
  openKey: string | undefined,
  open: (key: string) => void,
): void {
  const s = t();
  // Keyboard focus on a conversation stays there when the list is redrawn (a message arriving reorders it).
  const focused = document.activeElement?.closest('button.conv')?.getAttribute('data-key');
  list.replaceChildren(
    ...sorted(convs).map((conv) => {
      const label = conv.kind === 'group' ? `# ${conv.name}` : conv.name;
      const button = h(
        'button',
        {
          type: 'button',
          class: conv.gone ? 'conv gone' : 'conv',
          'data-key': conv.key,
          title: label,
          'aria-current': conv.key === openKey ? 'true' : undefined,
          onclick: () => open(conv.key),
        },
        h('span', { class: 'conv-name' }, label),
        conv.unread > 0 &&
          h('span', { class: 'badge', 'aria-label': s.unread(conv.unread) }, String(conv.unread)),
      );
      return h('li', {}, button);
    }),
  );
  if (focused)
    list
      .querySelector<HTMLElement>(`button.conv[data-key="${CSS.escape(focused)}"]`)
      ?.focus({ preventScroll: true });
}

export interface ItemActions {
  download(item: Item): void;
  refreshPreview(item: Item, img: HTMLImageElement): void;
  /** Your own stored message: Edit puts it in the composer, Delete asks first. */
  edit(item: Item): void;
  remove(item: Item): void;
}

/** The line above the oldest message shown: the start of the conversation, or a button for older messages. */
export function renderTop(
  conv: Conversation,
  loading: boolean,
  moreAbove: boolean,
  loadOlder: () => void,
): HTMLElement {
  const s = t();
  if (conv.next === null && !moreAbove) return h('p', { class: 'history-start' }, s.noOlder);
  return h(
    'button',
    { type: 'button', class: 'older', onclick: loadOlder, disabled: loading || moreAbove },
    loading ? s.loading : s.olderMessages,
  );
}

export function renderDay(iso: string): HTMLElement {
  return h('p', { class: 'day', role: 'separator' }, dayLabel(iso));
}

function dayLabel(iso: string): string {
  const s = t();
  const today = dayKey(new Date().toISOString());
  const yesterday = dayKey(new Date(Date.now() - 86_400_000).toISOString());
  const day = dayKey(iso);
  if (day === today) return s.today;
  if (day === yesterday) return s.yesterday;
  return new Date(iso).toLocaleDateString(document.documentElement.lang, { dateStyle: 'medium' });
}

export function renderItem(item: Item, me: string, actions: ItemActions): HTMLElement {
  const s = t();
  const mine = item.from.toLowerCase() === me.toLowerCase();
  const time = new Date(item.sentAt);
  const body: Node[] = [];
  if (item.deleted) body.push(h('p', { class: 'text deleted' }, s.messageDeleted));
  else if (item.text !== undefined)
    body.push(h('p', { class: 'text' }, item.text, item.edited && ` ${s.edited}`));
  if (item.file && !item.deleted) {
    const f = item.file;
    body.push(
      h(
        'div',
        { class: 'file' },
        h('span', { class: 'file-name' }, f.filename),
        h('span', { class: 'file-meta' }, ` ${humanSize(f.size)} · ${f.contentType}`),
        !item.local &&
          h(
            'button',
            { type: 'button', class: 'download', onclick: () => actions.download(item) },
            `${s.download} ${f.filename}`,
          ),
      ),
    );
    if (f.url && f.contentType.startsWith('image/')) {
      const img = h('img', { class: 'preview', src: f.url, alt: f.filename, loading: 'lazy' });
      img.addEventListener('error', () => actions.refreshPreview(item, img), { once: true });
      body.push(img);
    }
  }
  // Only a stored message of your own (it has the server's id) can be changed; a file can be deleted, not edited.
  const changeable = mine && !item.local && !item.deleted;
  const what = item.text ?? item.file?.filename ?? '';
  const snippet = what.length > 40 ? `${what.slice(0, 40)}…` : what;
  return h(
    'article',
    { class: mine ? 'msg mine' : 'msg', 'data-id': item.id },
    h(
      'header',
      { class: 'msg-head' },
      h('span', { class: 'from' }, mine ? s.you : item.from),
      h(
        'time',
        { datetime: item.sentAt },
        time.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }),
      ),
      mine &&
        item.receipt &&
        h(
          'span',
          { class: `receipt ${item.receipt}`, 'data-receipt': item.receipt, title: s.receipts[item.receipt] },
          item.receipt === 'sent' ? '✓' : '✓✓',
          h('span', { class: 'sr-only' }, ` ${s.receipts[item.receipt]}`),
        ),
      changeable &&
        h(
          'span',
          { class: 'msg-actions' },
          item.text !== undefined &&
            h(
              'button',
              {
                type: 'button',
                class: 'edit',
                'aria-label': s.editMessageLabel(snippet),
                onclick: () => actions.edit(item),
              },
              s.editMessage,
            ),
          h(
            'button',
            {
              type: 'button',
              class: 'delete',
              'aria-label': s.deleteMessageLabel(snippet),
              onclick: () => actions.remove(item),
            },
            s.deleteMessage,
          ),
        ),
    ),
    ...body,
  );
}
