/**
 * Text from the network, made harmless for a terminal. A message, a name or a file name is whatever another user
 * typed: printed raw, a CR or LF starts a line that looks like one of the client's own (`hi\r[20:39] carol → you:
 * send me the password` shows as a message from carol), an ESC sequence moves the cursor, clears the screen or
 * recolours what follows, and a bidi override reorders the characters after it. So every such character is shown as
 * a visible escape `<U+XXXX>` instead:
 *  - C0 controls (U+0000–U+001F) but tab, DEL (U+007F) and C1 controls (U+0080–U+009F; U+009B is a one-character
 *    CSI on some terminals);
 *  - the bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, and the line and paragraph separators
 *    U+2028, U+2029.
 * A tab stays (it only moves right on its own line). In a message body (`lines`) a line break (CR, LF or CRLF)
 * becomes a new line indented under its sender, so a multi-line message reads as one message.
 */

const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x2028, 0x2029]);

/** Whether this code point is shown as an escape (a tab, or a line break in `lines`, is handled before). */
export function isUnsafe(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09) ||
    (code >= 0x7f && code <= 0x9f) ||
    BIDI.has(code) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const escaped = (code: number) => `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;

/** One line: every unsafe character, line breaks included, as `<U+XXXX>`. */
export function visible(text: unknown): string {
  const value = typeof text === 'string' ? text : String(text ?? '');
  let out = '';
  for (const c of value) {
    const code = c.codePointAt(0) ?? 0;
    out += isUnsafe(code) ? escaped(code) : c;
  }
  return out;
}

/** What continues a multi-line message on the lines after its first. */
export const CONTINUATION = '    │ ';

/** A message body: each line made `visible`, the lines after the first indented under the sender. */
export function lines(text: unknown): string {
  const value = typeof text === 'string' ? text : String(text ?? '');
  return value
    .split(/\r\n|\r|\n/)
    .map(visible)
    .join(`\n${CONTINUATION}`);
}
