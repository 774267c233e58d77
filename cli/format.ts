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

/** The line for a message or a file (without where a file was saved), as pushed or as listed by HISTORY. */
export function pushLine(push: Push, me: string | undefined, style: Style): string {
  const p = push as Record<string, unknown>;
  const time = style.dim(clock(p.sentAt));
  const group = style.bold(`#${str(p.group)}`);
  // A HISTORY tombstone, and an edited message's mark.
  if (p.deleted === true) return `${time} ${who(p.from, me, style)}: ${style.dim('(message deleted)')}`;
  const edited = typeof p.editedAt === 'string' ? ` ${style.dim('(edited)')}` : '';
  switch (push.event) {
    case 'MESSAGE':
      return `${time} ${who(p.from, me, style)} → ${who(p.to, me, style)}: ${body(p.message)}${edited}`;
    case 'GROUP_MESSAGE':
      return `${time} ${group} ${who(p.from, me, style)}: ${body(p.message)}${edited}`;
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
      return `${style.dim(clock(p.editedAt))} message ${str(p.id)} edited: ${body(p.message)}`;
    case 'MESSAGE_DELETED':
      return `${style.dim(clock(undefined))} message ${str(p.id)} deleted`;
    case 'READ': {
      const where = p.group !== undefined ? ` in ${group}` : '';
      return `${style.dim(clock(undefined))} ${who(p.by, me, style)} read up to ${str(p.upTo)}${where}`;
    }
    default:
      return `${time} ${str(push.event)} ${str(JSON.stringify(push))}`;
  }
}

/** A failed answer: the command's Indonesian `data`, then a short English explanation of its `reason`. */
export function failureLine(answer: Answer, style: Style): string {
  const reason = answer.reason ? ` [${str(answer.reason)}]` : '';
  return style.error(`✗ ${str(answer.data)} — ${str(explainReason(answer.reason))}${reason}`);
}

/** A progress bar for stderr: `[#####.....]  50%  512 KB / 1.0 MB`. */
export function progressBar(sent: number, total: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, sent / total) : 1;
  const filled = Math.round(fraction * width);
  const percent = String(Math.round(fraction * 100)).padStart(3);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%  ${formatSize(sent)} / ${formatSize(total)}`;
}
