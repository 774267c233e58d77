/** The slash commands of the terminal client (issue 11's table), parsed from a typed line. Pure. */

export type Target = { user: string } | { group: string };

/** One of your messages: its short number ([n] beside it), or `last`, the last one you sent. */
export type MessageRef = number | 'last';

const messageRef = (word: string | undefined): MessageRef | undefined =>
  word === undefined
    ? undefined
    : /^\d+$/.test(word)
      ? Number(word)
      : word.toLowerCase() === 'last'
        ? 'last'
        : undefined;

export type Command =
  | { kind: 'register'; user: string; country: string; name: string }
  | { kind: 'login'; user: string; password: string | undefined }
  | { kind: 'logout' }
  | { kind: 'quit' }
  | { kind: 'msg'; user: string; text: string }
  | { kind: 'group-msg'; group: string; text: string }
  | { kind: 'say'; text: string }
  | { kind: 'join' | 'leave' | 'members' | 'who' | 'deletegroup'; group: string }
  | { kind: 'create'; group: string; private: boolean }
  | { kind: 'invite' | 'kick' | 'owner'; group: string; user: string }
  | { kind: 'query'; target: Target }
  | { kind: 'me'; text: string }
  | { kind: 'whois' | 'block' | 'unblock'; user: string }
  | { kind: 'blocked' }
  | { kind: 'uninvite'; group: string; user: string }
  | { kind: 'watch' | 'unwatch'; users: string[] }
  | { kind: 'password' }
  | { kind: 'deleteaccount' }
  | { kind: 'edit'; index: MessageRef; text: string }
  | { kind: 'delete'; index: MessageRef }
  | { kind: 'groups' }
  | { kind: 'conversations' }
  | { kind: 'file'; target: Target; path: string }
  | { kind: 'history'; target: Target | undefined; count: number }
  | { kind: 'raw'; line: string }
  | { kind: 'help' }
  | { kind: 'invalid'; message: string };

export const HELP = `commands:
  /register <user> <country> <name…>   asks the password twice (hidden), then REGISTER
  /login <user> [password]              AUTH (asks the password, hidden, when not given)
  /logout                               LOGOUT
  /quit                                 LOGOUT and exit
  /password                             change your password (asked hidden: old, new, new again)
  /deleteaccount                        delete your account for good (asks your password to confirm)
  /msg <user-or-#group> <text…>         a message; the conversation becomes the current one
  /g <group> <text…>                    a group message; <group> becomes the current conversation
  <text>                                a message to the current conversation
  /me <action…>                         "* you <action>" to the current conversation
  /query <user-or-#group>               switch to a conversation without sending anything
  /edit <n|last> <text…>, /delete <n|last>   edit or delete your message [n], or the last one you sent
  /create <group> [private], /join <group>, /leave <group>, /members <group>, /groups
  /conversations                        your private conversations, most recent first (also listed at login)
  /invite <group> <user>, /kick <group> <user>, /owner <group> <user>, /deletegroup <group>   (owner only)
  /who <group>                          who of the group is online now
  /whois <user>                         online or when last seen
  /watch <user…>, /unwatch <user…>      be told when they come online or go offline
  /uninvite <group> <user>              take a pending invitation back (owner only)
  /block <user>, /unblock <user>, /blocked
  Tab completes commands, names and #groups
  /file <user-or-#group> <path>         send a file (inline when small, else uploaded)
  /history [<user-or-#group>] [n]       the last n messages (default 20) of a conversation
  /raw <protocol line>                  send a protocol line as is, print the JSON answer
  /help                                 this list`;

export const DEFAULT_HISTORY = 20;

/** `#kantor` is a group, anything else a user. */
export function parseTarget(word: string): Target {
  return word.startsWith('#') ? { group: word.slice(1) } : { user: word };
}

/** Splits off the first `n` words; the rest of the line (inner spaces kept) is the last element. */
function words(text: string, n: number): string[] {
  const out: string[] = [];
  let rest = text.replace(/^ +/, '');
  for (let i = 0; i < n && rest !== ''; i++) {
    const match = /^(\S+) *(.*)$/s.exec(rest);
    if (!match) break;
    out.push(match[1] as string);
    rest = match[2] as string;
  }
  out.push(rest);
  return out;
}

const usage = (text: string): Command => ({ kind: 'invalid', message: `usage: ${text}` });

/**
 * docs/PROTOCOL.md "Names and bounds" (shared/protocol/validation.ts LIMITS; test/unit/client-bounds.test.ts ties
 * them), checked before anything is sent.
 */
export const BOUNDS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 128,
  countryMax: 64,
  nameMax: 100,
} as const;

const codePoints = (text: string) => [...text].length;
/** C0 controls but tab, CR and LF, and DEL: free text may not hold them. */
const hasForbiddenControl = (text: string) =>
  [...text].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
  });

/** Why the protocol would refuse this password (a line is split on spaces, so it must be one token), or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (/\s/.test(password)) return 'a password may not contain spaces or other white space';
  const n = codePoints(password);
  if (n < BOUNDS.passwordMin || n > BOUNDS.passwordMax)
    return `a password has ${BOUNDS.passwordMin}–${BOUNDS.passwordMax} characters (this one has ${n})`;
  return undefined;
}

/** Why the protocol would refuse this user name, or undefined. */
export function usernameProblem(user: string): string | undefined {
  if (user.length < BOUNDS.usernameMin || user.length > BOUNDS.usernameMax || !/^[A-Za-z0-9_.-]+$/.test(user))
    return `a user name has ${BOUNDS.usernameMin}–${BOUNDS.usernameMax} characters of A–Z a–z 0–9 _ . -`;
  return undefined;
}

/** Why REGISTER would refuse these (the password apart, asked later), or undefined. */
export function registrationProblem(user: string, country: string, name: string): string | undefined {
  const userProblem = usernameProblem(user);
  if (userProblem) return userProblem;
  const country_ = codePoints(country);
  if (country_ < 1 || country_ > BOUNDS.countryMax || /[\s\p{Cc}]/u.test(country))
    return `a country is one word of 1–${BOUNDS.countryMax} characters`;
  const name_ = codePoints(name);
  if (name_ < 1 || name_ > BOUNDS.nameMax || hasForbiddenControl(name))
    return `a name has 1–${BOUNDS.nameMax} characters`;
  return undefined;
}

/** Every slash command, for Tab completion. */
export const COMMAND_WORDS = [
  'block',
  'blocked',
  'conversations',
  'create',
  'delete',
  'deleteaccount',
  'deletegroup',
  'edit',
  'file',
  'g',
  'groups',
  'help',
  'history',
  'invite',
  'join',
  'kick',
  'leave',
  'login',
  'logout',
  'me',
  'members',
  'msg',
  'owner',
  'password',
  'query',
  'quit',
  'raw',
  'register',
  'unblock',
  'uninvite',
  'unwatch',
  'watch',
  'who',
  'whois',
] as const;

/**
 * Tab completion of the word before the cursor: a command after `/` at the start, else a `#group` or a name.
 * Returns readline's [candidates, the word completed]; no candidates when nothing fits (Tab never inserts a tab).
 */
export function complete(
  line: string,
  names: Iterable<string>,
  groups: Iterable<string>,
): [string[], string] {
  const word = /\S*$/.exec(line)?.[0] ?? '';
  if (word.includes('\t')) return [[], word];
  if (word.startsWith('/') && word === line.trimStart() && line === word)
    return [COMMAND_WORDS.map((c) => `/${c}`).filter((c) => c.startsWith(word.toLowerCase())), word];
  const lower = word.toLowerCase();
  const pool = word.startsWith('#') ? [...groups].map((g) => `#${g}`) : [...names];
  const hits = [...new Set(pool)].filter((c) => c.toLowerCase().startsWith(lower)).sort();
  return [hits, word];
}

/** A `#` line of a --script file is a comment: never sent. */
export function isScriptComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

export function parseCommand(line: string): Command | undefined {
  const trimmed = line.replace(/\r?\n$/, '');
  if (trimmed.trim() === '') return undefined;
  if (!trimmed.startsWith('/')) return { kind: 'say', text: trimmed };
  const [word = '', rest = ''] = words(trimmed.slice(1), 1);
  switch (word.toLowerCase()) {
    case 'register': {
      const [user, country, name] = words(rest, 2);
      if (!(user && country && name)) return usage('/register <user> <country> <name…>');
      const problem = registrationProblem(user, country, name);
      return problem ? { kind: 'invalid', message: problem } : { kind: 'register', user, country, name };
    }
    case 'login': {
      const parts = rest.trim().split(/\s+/).filter(Boolean);
      if (parts.length < 1 || parts.length > 2) return usage('/login <user> [password]');
      return { kind: 'login', user: parts[0] as string, password: parts[1] };
    }
    case 'logout':
      return { kind: 'logout' };
    case 'quit':
      return { kind: 'quit' };
    case 'msg': {
      const [to, text] = words(rest, 1);
      if (!(to && text)) return usage('/msg <user-or-#group> <text…>');
      return to.startsWith('#')
        ? { kind: 'group-msg', group: to.slice(1), text }
        : { kind: 'msg', user: to, text };
    }
    case 'query': {
      const parts = rest.trim().split(/\s+/).filter(Boolean);
      return parts.length === 1
        ? { kind: 'query', target: parseTarget(parts[0] as string) }
        : usage('/query <user-or-#group>');
    }
    case 'me':
      return rest.trim() ? { kind: 'me', text: rest.trim() } : usage('/me <action…>');
    case 'whois':
    case 'block':
    case 'unblock': {
      const parts = rest.trim().split(/\s+/).filter(Boolean);
      const kind = word.toLowerCase() as 'whois' | 'block' | 'unblock';
      return parts.length === 1 ? { kind, user: parts[0] as string } : usage(`/${kind} <user>`);
    }
    case 'blocked':
      return rest.trim() ? usage('/blocked') : { kind: 'blocked' };
    case 'watch':
    case 'unwatch': {
      const users = rest.trim().split(/\s+/).filter(Boolean);
      const kind = word.toLowerCase() as 'watch' | 'unwatch';
      return users.length > 0 ? { kind, users } : usage(`/${kind} <user…>`);
    }
    case 'invite':
    case 'uninvite':
    case 'kick':
    case 'owner': {
      const parts = rest.trim().split(/\s+/).filter(Boolean);
      const kind = word.toLowerCase() as 'invite' | 'uninvite' | 'kick' | 'owner';
      return parts.length === 2
        ? { kind, group: (parts[0] as string).replace(/^#/, ''), user: parts[1] as string }
        : usage(`/${kind} <group> <user>`);
    }
    case 'password':
      return rest.trim() ? usage('/password (the passwords are asked, hidden)') : { kind: 'password' };
    case 'deleteaccount':
      return rest.trim()
        ? usage('/deleteaccount (the password is asked, hidden)')
        : { kind: 'deleteaccount' };
    case 'edit': {
      const [n, text] = words(rest, 1);
      const index = messageRef(n);
      return index !== undefined && text ? { kind: 'edit', index, text } : usage('/edit <n|last> <text…>');
    }
    case 'delete': {
      const index = messageRef(rest.trim());
      return index !== undefined ? { kind: 'delete', index } : usage('/delete <n|last>');
    }
    case 'g': {
      const [group, text] = words(rest, 1);
      return group && text
        ? { kind: 'group-msg', group: group.replace(/^#/, ''), text }
        : usage('/g <group> <text…>');
    }
    case 'create': {
      const parts = rest.trim().split(/\s+/).filter(Boolean);
      const closed = parts[1]?.toLowerCase() === 'private';
      return parts.length === 1 || (parts.length === 2 && closed)
        ? { kind: 'create', group: (parts[0] as string).replace(/^#/, ''), private: closed }
        : usage('/create <group> [private]');
    }
    case 'join':
    case 'leave':
    case 'members':
    case 'who':
    case 'deletegroup': {
      const parts = rest.trim().split(/\s+/).filter(Boolean);
      const kind = word.toLowerCase() as 'join' | 'leave' | 'members' | 'who' | 'deletegroup';
      return parts.length === 1
        ? { kind, group: (parts[0] as string).replace(/^#/, '') }
        : usage(`/${kind} <group>`);
    }
    case 'groups':
      return { kind: 'groups' };
    case 'conversations':
      return rest.trim() ? usage('/conversations') : { kind: 'conversations' };
    case 'file': {
      const [target, path] = words(rest, 1);
      return target && path
        ? { kind: 'file', target: parseTarget(target), path }
        : usage('/file <user-or-#group> <path>');
    }
    case 'history':
      return parseHistory(rest);
    case 'raw':
      return rest.trim() ? { kind: 'raw', line: rest } : usage('/raw <protocol line>');
    case 'help':
      return { kind: 'help' };
    default:
      return { kind: 'invalid', message: `unknown command /${word}; /help lists the commands` };
  }
}

function parseHistory(rest: string): Command {
  const parts = rest.trim().split(/\s+/).filter(Boolean);
  const bad = usage('/history [<user-or-#group>] [n]');
  if (parts.length > 2) return bad;
  const last = parts.at(-1);
  const count = last !== undefined && /^\d+$/.test(last) ? Number(last) : undefined;
  const targetWord = count === undefined ? parts[0] : parts.length === 2 ? parts[0] : undefined;
  if (parts.length === 2 && count === undefined) return bad;
  if (count !== undefined && count < 1) return bad;
  return {
    kind: 'history',
    target: targetWord ? parseTarget(targetWord) : undefined,
    count: count ?? DEFAULT_HISTORY,
  };
}
