/**
 * Every key in the table, in one place. Names are stored by their lower-case key, so lookups ignore case
 * while items keep the spelling the user chose. docs/DATA_MODEL.md draws the same layout.
 *
 * The builders take plain strings: they only lay a key out (tests and prefix reads call them raw). The functions of
 * shared/data/ that take a user or group take it as a UserKey / GroupKey, and a key parsed back out of a stored item
 * becomes one again only through storedUserKey / storedGroupKey below.
 */
import type { GroupKey, UserKey } from '../protocol/names.js';

export const keys = {
  /** The account: profile, password hash and group-delivery cursor. */
  user: (user: string) => ({ pk: `USER#${user}`, sk: '#PROFILE' }),
  /** One live connection of a user (a device). */
  userConnection: (user: string, connectionId: string) => ({
    pk: `USER#${user}`,
    sk: `#CONN#${connectionId}`,
  }),
  /** The user's membership of a group: the GROUPS listing and the membership check. */
  userGroup: (user: string, group: string) => ({ pk: `USER#${user}`, sk: `GROUP#${group}` }),
  /**
   * How far an unfinished catch-up got in each group (one attribute per group, one write per frame); deleted when a
   * catch-up completes, so it never outgrows the user's groups.
   */
  catchUpProgress: (user: string) => ({ pk: `USER#${user}`, sk: 'PROGRESS' }),
  /** A WebSocket connection, bound to a user after AUTH. */
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  /** The group itself. */
  group: (group: string) => ({ pk: `GROUP#${group}`, sk: 'META' }),
  /** A member of a group (GROUP_MEMBERS pages through these). */
  groupMember: (group: string, user: string) => ({ pk: `GROUP#${group}`, sk: `MEMBER#${user}` }),
  /**
   * A live connection of a member, copied into the group so fan-out reads only who is online: the group's
   * connections. The stored prefix keeps its old name, `PRESENCE#` (prefixes.groupConnection).
   */
  groupConnection: (group: string, user: string, connectionId: string) => ({
    pk: `GROUP#${group}`,
    sk: `PRESENCE#${user}#${connectionId}`,
  }),
  /**
   * A member's departure: the user went offline at `cursor` (an id bound). Fan-out reads only those after the
   * message it delivers, to hand the message to members who left between its sending and its fan-out.
   */
  groupDeparture: (group: string, cursor: string, user: string) => ({
    pk: `GROUP#${group}`,
    sk: `OFF#${cursor}#${user}`,
  }),
  /** A private message in the two users' conversation (history). */
  directMessage: (a: string, b: string, id: string) => ({ pk: directPk(a, b), sk: `MSG#${id}` }),
  /** A group message, stored once for all members. */
  groupMessage: (group: string, id: string) => ({ pk: `GMSG#${group}`, sk: `MSG#${id}` }),
  /** A message waiting for the user's next login: a pointer to the stored message, never a copy. */
  inbox: (user: string, id: string) => ({ pk: `INBOX#${user}`, sk: `MSG#${id}` }),
  /**
   * Password checks that failed (or are running) in one fixed window, numbered since the epoch, counted for one
   * subject: an account as a whole (`user`), an address across accounts (`ip`), one account from one address, device
   * or logged-in connection (`pair`, `device`, `session`). A counter with a TTL (shared/auth/attempts.ts).
   */
  authFailures: (scope: 'user' | 'ip' | 'pair' | 'device' | 'session', subject: string, window: number) => ({
    pk: `AUTHFAIL#${scope}#${subject}`,
    sk: `W#${window}`,
  }),
  /** The addresses and devices an account logged in from lately, bounded (shared/auth/known.ts). */
  authKnown: (user: string) => ({ pk: `AUTHKNOWN#${user}`, sk: 'KNOWN' }),
  /** Password hashes running for one source address (an IPv6 /64) right now (shared/limits/in-flight.ts). */
  hashSlots: (address: string) => ({ pk: `LIMIT#ip#${address}#hashing`, sk: 'INFLIGHT' }),
  /** A file's metadata, looked up by id (FILE_URL, upload arrival). */
  file: (id: string) => ({ pk: `FILE#${id}`, sk: 'FILE' }),
  /**
   * How many requests of one kind came from one source address (an IPv6 /64) in one fixed window, numbered since
   * the epoch: a counter with a TTL (shared/limits/addresses.ts).
   */
  addressBudget: (address: string, kind: string, window: number) => ({
    pk: `LIMIT#ip#${address}#${kind}`,
    sk: `W#${window}`,
  }),
  /**
   * A connection watching a user's presence (WATCH), under the watched user: a presence change reads only this
   * range. Its own partition, so AUTH's read of an account never reads watchers.
   */
  watcher: (watched: string, connectionId: string) => ({
    pk: `WATCHERS#${watched}`,
    sk: `CONN#${connectionId}`,
  }),
  /** The same watch under the watching connection: its count (the bound) and its cleanup when it goes. */
  watching: (connectionId: string, watched: string) => ({
    pk: `CONN#${connectionId}`,
    sk: `WATCH#${watched}`,
  }),
  /**
   * A member again, sorted by when they joined: when the owner leaves, the longest-standing member is the first of
   * these (one Query, Limit 1), whatever the group's size. Written and deleted with the membership.
   */
  groupJoined: (group: string, joinedAt: string, user: string) => ({
    pk: `GROUP#${group}`,
    sk: `JOINED#${joinedAt}#${user}`,
  }),
  /**
   * An invitation to a (private) group, kept until it is used or expires (TTL). It holds the GROUP_INVITED push
   * itself, so the invitee's inbox can point to it while they are offline.
   */
  groupInvite: (group: string, user: string) => ({ pk: `GROUP#${group}`, sk: `INVITE#${user}` }),
  /**
   * Where a message lives, by its id alone (EDIT, DELETE): its sender and the stored message's key. Written with the
   * message; it expires when the edit window closes, so these never pile up.
   */
  messageRef: (id: string) => ({ pk: `MSGREF#${id}`, sk: 'REF' }),
  /**
   * How far `user` has read a conversation (READ, READ_GROUP): one item per reader in the conversation's own
   * partition (`DM#a#b` or `GMSG#<group>`), beside the messages and out of their `MSG#` range.
   */
  readCursor: (conversationPk: string, user: string) => ({ pk: conversationPk, sk: `READ#${user}` }),
  /**
   * A SEND_ID / SEND_GROUP_ID claim: the id chosen for one client id of one user, for 24 h (TTL). A partition of
   * its own, so nothing that reads a user's partition (AUTH, departures) grows with how much they send.
   */
  sendClaim: (user: string, clientId: string) => ({ pk: `SENDID#${user}#${clientId}`, sk: 'CLAIM' }),
  /** One file a user uploaded, so DELETE_ACCOUNT finds their objects in O(their files). */
  userFile: (user: string, id: string) => ({ pk: `UFILE#${user}`, sk: `FILE#${id}` }),
  /**
   * `blocker` blocked `blocked` (BLOCK): one item per pair in a partition of the blocker's own, so SEND checks it with
   * one GetItem keyed by (recipient, sender) and BLOCKED lists them with one Query; AUTH never reads it.
   */
  /** A resumable login (SESSION / RESUME): one partition per token, named by the token's SHA-256. */
  session: (tokenDigest: string) => ({ pk: `SESSION#${tokenDigest}`, sk: 'SESSION' }),
  block: (blocker: string, blocked: string) => ({ pk: `BLOCKS#${blocker}`, sk: `USER#${blocked}` }),
  /** How many users `blocker` has blocked: a counter kept by conditional writes (the bound on blocks). */
  blockCount: (blocker: string) => ({ pk: `BLOCKS#${blocker}`, sk: '#COUNT' }),
  /** How many connections watch `watched`: a counter kept by conditional writes (the bound on watchers). */
  watcherCount: (watched: string) => ({ pk: `WATCHERS#${watched}`, sk: '#COUNT' }),
  /**
   * `user`'s conversation with `other`, by name: the hour (`bucket`) of its last move, which SEND reads beside the
   * block to know whether the listing must move. A partition of the user's own, so AUTH never reads it.
   */
  conversation: (user: string, other: string) => ({ pk: `CONVS#${user}`, sk: `WITH#${other}` }),
  /** The same conversation's listing entry, sorted by its hour of last activity (CONVERSATIONS pages these). */
  conversationEntry: (user: string, bucket: string, other: string) => ({
    pk: `CONVS#${user}`,
    sk: `AT#${bucket}#${other}`,
  }),
};

export const prefixes = {
  /** Profile and connections share this prefix, so one Query reads an account and its devices. */
  userHead: '#',
  userConnection: '#CONN#',
  group: 'GROUP#',
  member: 'MEMBER#',
  /**
   * The group's connections (keys.groupConnection). The stored prefix keeps its old name: these items were called
   * presence before the word was kept for a user's online status (shared/data/presence.ts).
   */
  groupConnection: 'PRESENCE#',
  departure: 'OFF#',
  message: 'MSG#',
  watcher: 'CONN#',
  watching: 'WATCH#',
  joined: 'JOINED#',
  invite: 'INVITE#',
  blocked: 'USER#',
  conversationEntry: 'AT#',
} as const;

/** One conversation per pair of users, whoever writes first. */
export function directPk(a: string, b: string): string {
  return a < b ? `DM#${a}#${b}` : `DM#${b}#${a}`;
}

/** The key of the string range that holds every sort key starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return `${prefix}\uffff`;
}

/**
 * A user key read back out of a stored key or attribute. Every such key was written from a UserKey (userKeyOf), so
 * it is one again: the one place storage vouches for that.
 */
export function storedUserKey(stored: string): UserKey {
  return stored as UserKey;
}

/** A group key read back out of a stored key or attribute, as storedUserKey. */
export function storedGroupKey(stored: string): GroupKey {
  return stored as GroupKey;
}

/** Whose conversation a message partition is: the two users of `DM#a#b`, or the group of `GMSG#<group>`. */
export function conversationOf(pk: string): { users: [UserKey, UserKey] } | { group: GroupKey } {
  // Stryker disable next-line StringLiteral: a DM partition always names both users; the defaults only satisfy the type.
  const [kind, a = '', b = a] = pk.split('#');
  return kind === 'DM'
    ? { users: [storedUserKey(a), storedUserKey(b)] }
    : { group: storedGroupKey(pk.slice(pk.indexOf('#') + 1)) };
}
