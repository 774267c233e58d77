/** A tiny DOM helper and the live-translated text nodes: switching language re-applies every registered text. */
import { type Lang, STRINGS, type Strings } from './i18n.js';

type Child = Node | string | false | null | undefined;
type Attrs = Record<string, string | boolean | number | ((event: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

let lang: Lang = 'id';
const updaters: (() => void)[] = [];

export const t = (): Strings => STRINGS[lang];
export const currentLang = (): Lang => lang;

export function setLang(next: Lang): void {
  lang = next;
  document.documentElement.lang = next;
  for (const update of updaters) update();
}

/** A text node that follows the language. */
export function tx(pick: (s: Strings) => string): Text {
  const node = document.createTextNode(pick(t()));
  updaters.push(() => {
    node.data = pick(t());
  });
  return node;
}

/** An attribute (placeholder, aria-label, title) that follows the language. */
export function ta<E extends Element>(el: E, name: string, pick: (s: Strings) => string): E {
  const apply = () => el.setAttribute(name, pick(t()));
  apply();
  updaters.push(apply);
  return el;
}

/** A labelled input: label text follows the language; the input is returned for reading. */
export function field(
  id: string,
  label: (s: Strings) => string,
  attrs: Attrs = {},
): { row: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { id, name: id, required: true, ...attrs });
  return { row: h('div', { class: 'field' }, h('label', { for: id }, tx(label)), input), input };
}
