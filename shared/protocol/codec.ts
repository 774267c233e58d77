/**
 * The request side of the wire: pure functions from a WebSocket frame to a request word and its arguments.
 * Nothing here throws and nothing here does I/O.
 */

export interface Request {
  /** The request word, upper-cased: `auth` and `AUTH` are the same request. */
  readonly word: string;
  /** Everything after the request word and the spaces after it, inner spacing kept. */
  readonly rest: string;
}

/**
 * Leading and trailing white space, CR, LF and a BOM are ignored. `String.prototype.trim` removes exactly the
 * characters of `\s` (which include U+FEFF) in linear time; a regex such as `[\s]+$` backtracks quadratically on a
 * long inner run of spaces (a 120 KB frame of them took a minute of CPU).
 */
const trimEdges = (text: string) => text.trim();
/**
 * Only spaces separate the word and the parameters (the spec's "REQUEST spasi PARAMETER"); a tab, CR or LF
 * between two tokens joins them into one, the same after the word as between parameters.
 */
const SEPARATOR = / +/;

/** Turns an API Gateway frame body into text: binary frames arrive base64-encoded and are read as UTF-8. */
export function frameText(body: string | null | undefined, isBase64Encoded: boolean | undefined): string {
  if (body == null) return '';
  return isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/**
 * A request tag *(extension)*: `#` and 1–32 characters of `A-Z a-z 0-9 _ -`, then one or more spaces and the
 * request. No request word starts with `#`, so a tagged frame can never be read as a seed-form request, and the
 * tag sits before the word, so no command's free-text last parameter can swallow it. The tag is echoed in every
 * answer of that request; a `#` token that is not a valid tag is left in place (an unknown request, untagged).
 */
const TAG = /^#([A-Za-z0-9_-]{1,32})(?: +|$)/;

export interface Tagged {
  /** The request's tag, when the frame began with a valid one. */
  readonly tag?: string;
  /** The rest of the frame: the request itself, in the seed form. */
  readonly text: string;
}

/** Takes a leading request tag off a frame (after the edges are trimmed as parseRequest trims them). */
export function splitTag(text: string): Tagged {
  const line = trimEdges(text);
  const match = TAG.exec(line);
  if (!match) return { text };
  return { tag: match[1], text: line.slice(match[0].length) };
}

export function parseRequest(text: string): Request {
  const line = trimEdges(text);
  const space = line.indexOf(' ');
  if (space === -1) return { word: line.toUpperCase(), rest: '' };
  // Stryker disable next-line Regex: `line.slice(space)` starts with a space, so `/ +/` matches there too.
  return { word: line.slice(0, space).toUpperCase(), rest: line.slice(space).replace(/^ +/, '') };
}

/**
 * Splits `rest` into exactly `count` parameters separated by one or more spaces.
 * With `tail`, the last parameter is the rest of the line and keeps its inner spaces.
 * Returns undefined when the count does not match, else a tuple of exactly `count`: a parser checks the one result,
 * not each part.
 */
export function splitParams<N extends number>(rest: string, count: N, tail = false): Params<N> | undefined {
  if (count === 0) return rest === '' ? ([] as string[] as Params<N>) : undefined;
  // Stryker disable next-line ConditionalExpression,StringLiteral: a fast path; the checks below refuse '' as well.
  if (rest === '') return undefined;
  const params: string[] = [];
  let remaining = rest;
  while (params.length < count - 1) {
    const match = SEPARATOR.exec(remaining);
    if (!match) return undefined;
    params.push(remaining.slice(0, match.index));
    remaining = remaining.slice(match.index + match[0].length);
  }
  if (remaining === '' || (!tail && /\s/.test(remaining))) return undefined;
  if (params.some((param) => param === '' || /\s/.test(param))) return undefined;
  params.push(remaining);
  return params as Params<N>;
}

/** `count` strings: a tuple for the counts the commands use. */
type Params<N extends number> = N extends 1
  ? [string]
  : N extends 2
    ? [string, string]
    : N extends 3
      ? [string, string, string]
      : N extends 4
        ? [string, string, string, string]
        : string[];

/** Counts user-perceived length as Unicode code points, so an emoji is one character, not two. */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
