/**
 * How things read in the terminal: one line per push, sizes, times, failures. Pure (the style is passed in). Every
 * string from the network goes through ./visible.ts, so no one can write control characters to the screen.
 */
import { type Answer, explainReason, type Push } from '../client/index.js';
import { lines, visible } from './visible.js';

export interface Style {
  dim(text: string): string;
  bold(text: string): string;
  name(text: string): string;
  error(text: string): string;
  ok(text: string): string;
}

const plainStyle: Style = { dim: String, bold: String, name: String, error: String, ok: String };

/** ANSI colours, or none (stdout not a TTY, or NO_COLOR set to anything but empty). */
export function styleFor(isTty: boolean | undefined, env: NodeJS.ProcessEnv): Style {
  if (!isTty || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return plainStyle;
  const sgr = (code: string) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
  return { dim: sgr('2'), bold: sgr('1'), name: sgr('36'), error: sgr('31'), ok: sgr('32') };
}

/** `[14:03]`, local time of an ISO timestamp (or of now when it is missing or unreadable). */
export function clock(iso: unknown): string {
  const date = typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? new Date(iso) : new Date();
  return `[${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}]`;
}

/** `[2026-11-27 14:03]`: a history line's date and local time (today's lines too: a page spans days). */
export function dated(iso: unknown): string {
  const date = typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? new Date(iso) : new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `[${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock(iso).slice(1)}`;
}

/** 11 B, 300 KB, 1.0 MB (1 KB = 1024 bytes). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A name, a file name, an id: one line, control characters shown as escapes. */
const str = (value: unknown) => visible(value);
/** A message body: further lines indented under the sender. */
const body = (value: unknown) => lines(value);

/** "you" for the logged-in user (names are case-insensitive), the name otherwise. */
function who(name: unknown, me: string | undefined, style: Style): string {
  const text = str(name);
  return me && text.toLowerCase() === me.toLowerCase() ? 'you' : style.name(text);
}

/** The short number (`[3]`) of one of your messages, for /edit and /delete; undefined for the others. */
export type IndexOf = (id: unknown) => number | undefined;

/** A message body, with `* alice waves` (a /me) shown as an action. */
function message(p: Record<string, unknown>, me: string | undefined, style: Style, where: string): string {
  const text = body(p.message);
  const from = who(p.from, me, style);
  if (typeof p.message === 'string' && p.message.startsWith(`* ${String(p.from)} `))
    return `${where}${style.bold('*')} ${from} ${body(p.message.slice(String(p.from).length + 3))}`;
  return `${where}${from}${typeof p.to === 'string' ? ` → ${who(p.to, me, style)}` : ''}: ${text}`;
}

/**
 * The line for a push (a file without where it was saved), as pushed or as listed by HISTORY (`history`: with the
 * date). Every push reads as a sentence, never as JSON.
 */
export function pushLine(
  push: Push,
  me: string | undefined,
  style: Style,
  indexOf: IndexOf = () => undefined,
  history = false,
): string {
  const p = push as Record<string, unknown>;
  const time = style.dim(history ? dated(p.sentAt) : clock(p.sentAt));
  const now = style.dim(clock(undefined));
  const group = style.bold(`#${str(p.group)}`);
  const n = indexOf(p.id);
  const mark = n === undefined ? '' : ` ${style.dim(`[${n}]`)}`;
  const ref = (id: unknown) => {
    const i = indexOf(id);
    return i === undefined ? 'a message' : `your message [${i}]`;
  };
  // A HISTORY tombstone, and an edited message's mark.
  if (p.deleted === true)
    return `${time} ${who(p.from, me, style)}: ${style.dim('(message deleted)')}${mark}`;
  const edited = typeof p.editedAt === 'string' ? ` ${style.dim('(edited)')}` : '';
  switch (push.event) {
    case 'MESSAGE':
      return `${time} ${message(p, me, style, '')}${edited}${mark}`;
    case 'GROUP_MESSAGE':
      return `${time} ${message({ ...p, to: undefined }, me, style, `${group} `)}${edited}${mark}`;
    case 'PRESENCE':
      return `${style.dim(clock(p.at))} ${style.name(str(p.user))} ${p.online === true ? 'is online' : 'went offline'}`;
    case 'TYPING':
      return p.group !== undefined
        ? `${now} ${style.dim(`${str(p.from)} is typing in #${str(p.group)}…`)}`
        : `${now} ${style.dim(`${str(p.from)} is typing…`)}`;
    case 'GROUP_INVITED':
      return `${now} ${who(p.by, me, style)} invited you to the private group ${group} — /join ${str(p.group)}`;
    case 'GROUP_KICKED':
      return `${now} ${who(p.by, me, style)} removed you from ${group}`;
    case 'GROUP_DELETED':
      return `${now} ${group} was deleted`;
    case 'LOGGED_OUT':
      return style.error(
        `${now} you were logged out: ${p.reason === 'password_changed' ? 'the password was changed on another device' : p.reason === 'account_deleted' ? 'the account was deleted' : str(p.reason)}`,
      );
    case 'FILE':
      return `${time} ${who(p.from, me, style)} sent ${str(p.filename)} (${formatSize(Number(p.size))})`;
    case 'GROUP_FILE':
      return `${time} ${group} ${who(p.from, me, style)} sent ${str(p.filename)} (${formatSize(Number(p.size))})`;
    case 'FILE_SENT': {
      const to = p.group !== undefined ? group : who(p.to, me, style);
      return `${time} ${str(p.filename)} (${formatSize(Number(p.size))}) delivered to ${to}`;
    }
    case 'FILE_FAILED':
      return style.error(`${time} an uploaded file was not delivered: ${str(explainReason(str(p.reason)))}`);
    case 'MESSAGE_EDITED':
      return `${style.dim(clock(p.editedAt))} ${ref(p.id)} was edited: ${body(p.message)}`;
    case 'MESSAGE_DELETED':
      return `${now} ${ref(p.id)} was deleted`;
    case 'DELIVERED': {
      const upTo = indexOf(p.upTo);
      return `${now} ${who(p.by, me, style)} received ${upTo === undefined ? 'your messages' : `up to your message [${upTo}]`} ✓`;
    }
    case 'READ': {
      const where = p.group !== undefined ? ` in ${group}` : '';
      const upTo = indexOf(p.upTo);
      return `${now} ${who(p.by, me, style)} read ${upTo === undefined ? 'your messages' : `up to your message [${upTo}]`}${where} ✓✓`;
    }
    default:
      return `${now} ${style.dim(`(${str(push.event)})`)}`;
  }
}

/** A failed answer: the command's Indonesian `data`, then a short English explanation of its `reason`. */
export function failureLine(answer: Answer, style: Style): string {
  const reason = answer.reason ? ` [${str(answer.reason)}]` : '';
  const retry = (answer as { retryAfter?: unknown }).retryAfter;
  const wait = typeof retry === 'number' && retry > 0 ? ` (try again in ${Math.ceil(retry)} s)` : '';
  return style.error(`✗ ${str(answer.data)} — ${str(explainReason(answer.reason))}${wait}${reason}`);
}

/** STATUS's answer: `alice is online`, `alice was last seen 2026-11-27 10:00`, `alice has not been seen`. */
export function statusLine(data: unknown, style: Style): string {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const name = style.name(str(d.user));
  if (d.online === true) return `${name} is online`;
  return typeof d.lastSeen === 'string'
    ? `${name} was last seen ${dated(d.lastSeen).slice(1, -1)}`
    : `${name} has not been seen yet`;
}

/** A progress bar for stderr: `[#####.....]  50%  512 KB / 1.0 MB`. */
export function progressBar(sent: number, total: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, sent / total) : 1;
  const filled = Math.round(fraction * width);
  const percent = String(Math.round(fraction * 100)).padStart(3);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%  ${formatSize(sent)} / ${formatSize(total)}`;
}
