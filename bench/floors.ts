/**
 * The floor of each measured command: the AWS requests and rounds (requests that must wait on each other) its
 * guarantees cannot do without, and why — written by hand from docs/PROTOCOL.md, docs/SECURITY.md and
 * docs/DATA_MODEL.md, printed beside what the bench measures, so a gap between the two is visible and explained.
 *
 * `security` is the part of the floor the security guarantees of issue 22 force (†): the strong credential read
 * every logged-in command makes (a login whose password changed, or whose account was deleted, can do nothing from
 * the answer to PASSWORD / DELETE_ACCOUNT on), the block read before anything reaches another user, the membership
 * check of every page of recipients before a group push; and (‡) the flood control of SECURITY.md — the per-address
 * budget and the per-address slot of a password hash (taken before, given back after), the failure counter.
 * Rounds are counted as the chain of requests: what can run side by side counts once.
 */

export interface Floor {
  requests: number;
  rounds: number;
  /** Of those, what the security guarantees force: requests, rounds, and which. */
  security: { requests: number; rounds: number; what: string };
  why: string;
}

/** Every logged-in command: read the connection's binding (who), then the account's credential, strongly (†). */
const LOGGED_IN = 'binding read (who), then the credential read † (its name comes from the binding)';
const CREDENTIAL = { requests: 1, rounds: 1, what: '† credential read' };
const CREDENTIAL_BLOCK = { requests: 2, rounds: 1, what: '† credential read ∥ † block read' };
const NONE = { requests: 0, rounds: 0, what: '—' };
/** AUTH's flood control: the address budget and a hash slot, beside the account read; the slot's release. */
const AUTH_FLOOD = {
  requests: 3,
  rounds: 0,
  what: '‡ address budget ∥ ‡ hash slot (beside the account read), ‡ slot release',
};

const floor = (requests: number, rounds: number, security: Floor['security'], why: string): Floor => ({
  requests,
  rounds,
  security,
  why,
});

/** Pushes to `n` devices, 64 at a time (shared/push): waves on the critical path. */
const waves = (n: number) => Math.max(1, Math.ceil(n / 64));

/** The floor of a bench row by its name (bench/commands.ts); undefined when none is written for it. */
export function floorOf(name: string): Floor | undefined {
  const group = /^SEND_GROUP(?:_ID)?, (\d+) members \((\d+) online\)/.exec(name);
  if (group) {
    // Beyond the first page (100 devices) the request hands the rest to the worker (one SendMessage) and answers:
    // only the first page's pushes are the row's.
    const online = Number(group[2]) - 1;
    const pushes = Math.min(online, 100);
    const handOff = online > 100 ? 1 : 0;
    return floor(
      8 + pushes + handOff,
      4 + waves(pushes),
      {
        requests: 2,
        rounds: 1,
        what: '† credential read, † membership check of the page of recipients (beside the store)',
      },
      `binding ∥ group item ∥ own membership ∥ page of online members; † credential; message and group pointer (2 writes) ∥ † the page's memberships (BatchGetItem); ${pushes} pushes in ${waves(pushes)} wave(s)${handOff ? `, the other ${online - pushes} handed to the worker (SendMessage)` : ''}${name.startsWith('SEND_GROUP_ID') ? '; the client id is claimed in the store round' : ''}`,
    );
  }
  const file = /^SEND_GROUP_FILE inline 1 KB, (\d+) members \((\d+) online\)/.exec(name);
  if (file) {
    const pushes = Number(file[2]) - 1;
    return floor(
      11 + pushes,
      4 + waves(pushes),
      { requests: 2, rounds: 1, what: '† credential read, † membership check of the page of recipients' },
      `as SEND_GROUP, plus the file item and its owner pointer (2 writes) and the object (PutObject) in the store round`,
    );
  }
  for (const [prefix, f] of ROWS) if (name.startsWith(prefix)) return f;
  return undefined;
}

const ROWS: Array<[string, Floor]> = [
  ['$connect', floor(1, 1, NONE, 'the connection item (PutItem): pushes and AUTH find the connection by it')],
  [
    '$disconnect',
    floor(
      3,
      2,
      NONE,
      "read the binding (whose device), then delete the connection ∥ take the device out of its groups' connections",
    ),
  ],
  [
    'REGISTER, name taken',
    floor(
      4,
      2,
      { requests: 3, rounds: 1, what: '‡ address budget ∥ ‡ hash slot, ‡ release' },
      'the name claim (conditional PutItem) is refused after the hash; the release beside it',
    ),
  ],
  [
    'REGISTER',
    floor(
      4,
      2,
      { requests: 3, rounds: 1, what: '‡ address budget ∥ ‡ hash slot, ‡ release' },
      'budget ∥ slot before the scrypt; one conditional PutItem claims the name (∥ release)',
    ),
  ],
  [
    'AUTH (G=0, nothing waiting)',
    floor(
      8,
      5,
      AUTH_FLOOD,
      'check the password (account read), one conditional write binds the connection, enqueue the catch-up (SendMessage); the worker reads the inbox (Query) and pushes CAUGHT_UP',
    ),
  ],
  [
    'AUTH (G=0, 10 waiting)',
    floor(
      10,
      6,
      AUTH_FLOOD,
      'as with nothing waiting; the inbox page comes back with the Query, one BATCH push (< 32 KB), then one BatchWriteItem clears the page',
    ),
  ],
  [
    'AUTH (G=0, 100 waiting)',
    floor(13, 6, AUTH_FLOOD, 'as with 10; 100 inbox items take 4 BatchWriteItems of 25 (side by side)'),
  ],
  [
    'AUTH (G=1, nothing waiting)',
    floor(
      10,
      5,
      AUTH_FLOOD,
      "as G=0, plus the device in the group's connections (1 write, beside the binding) and the group's messages since the last visit (1 Query, beside the inbox)",
    ),
  ],
  [
    'AUTH (G=1, 10 waiting group messages)',
    floor(11, 6, AUTH_FLOOD, 'as G=1 with nothing waiting, plus one BATCH push of the 10 group messages'),
  ],
  [
    'AUTH, wrong password',
    floor(
      5,
      2,
      { requests: 4, rounds: 1, what: '‡ address budget ∥ ‡ hash slot, ‡ release ∥ ‡ failure counted' },
      'the account read (beside the budget and slot), the scrypt, then the failure is counted',
    ),
  ],
  [
    'AUTH, unknown user',
    floor(
      5,
      2,
      { requests: 4, rounds: 1, what: '‡ address budget ∥ ‡ hash slot, ‡ release ∥ ‡ failure counted' },
      'as a wrong password: the same requests, so the answer does not tell the two apart',
    ),
  ],
  [
    'AUTH switching user',
    floor(
      8,
      4,
      AUTH_FLOOD,
      "the old user's binding read and unbinding (group connections off) before the new binding, then as AUTH (the catch-up is after the answer, not in this row)",
    ),
  ],
  ['LOGOUT, not logged in', floor(1, 1, NONE, 'the binding read finds none')],
  [
    'LOGOUT',
    floor(
      3,
      2,
      NONE,
      "binding read; one conditional write unbinds ∥ the device leaves its groups' connections",
    ),
  ],
  [
    'SEND, recipient online',
    floor(
      7,
      4,
      CREDENTIAL_BLOCK,
      `${LOGGED_IN} ∥ the recipient's account and devices (Query, beside the binding); † block; the message and its MSGREF pointer (2 PutItems); the push`,
    ),
  ],
  [
    'SEND, recipient offline',
    floor(
      7,
      3,
      CREDENTIAL_BLOCK,
      'as online, with the inbox item written beside the message instead of a push',
    ),
  ],
  [
    'SEND, unknown recipient',
    floor(
      3,
      2,
      CREDENTIAL,
      'binding ∥ recipient Query (none); † credential: the answer is only for a valid login',
    ),
  ],
  [
    'SEND, the recipient blocked the sender',
    floor(
      4,
      2,
      CREDENTIAL_BLOCK,
      'binding ∥ recipient Query; † credential ∥ † block, which refuses (as unknown_recipient)',
    ),
  ],
  ['SEND, not logged in', floor(1, 1, NONE, 'the binding read finds none')],
  [
    'SEND_GROUP, not a member',
    floor(4, 2, CREDENTIAL, 'binding ∥ group item ∥ membership (none); † credential'),
  ],
  [
    'SEND_GROUP, unknown group',
    floor(4, 2, CREDENTIAL, 'binding ∥ group item (none) ∥ membership; † credential'),
  ],
  [
    'SEND_FILE inline 1 KB',
    floor(
      10,
      4,
      CREDENTIAL_BLOCK,
      'as SEND online, plus the file item and its owner pointer (2 writes) and the object (PutObject), all in the store round',
    ),
  ],
  [
    'SEND_FILE, upload form',
    floor(
      5,
      3,
      CREDENTIAL_BLOCK,
      'binding ∥ recipient; † credential ∥ † block; the pending file item (the form is signed locally, no request)',
    ),
  ],
  [
    'upload arrives',
    floor(
      7,
      5,
      NONE,
      "the pending item read, the object checked (HeadObject) and sealed (CopyObject), the message and inbox/push state written, the recipient's devices read, then pushes to recipient and sender",
    ),
  ],
  [
    'FILE_URL',
    floor(
      3,
      2,
      CREDENTIAL,
      `${LOGGED_IN} ∥ the file item (may the caller see it); the link is signed locally`,
    ),
  ],
  [
    'GROUP_CREATE, name taken',
    floor(
      4,
      3,
      CREDENTIAL,
      `${LOGGED_IN}; ‡ address budget; the conditional PutItem of the group is refused`,
    ),
  ],
  [
    'GROUP_CREATE',
    floor(
      6,
      3,
      CREDENTIAL,
      `${LOGGED_IN} ∥ ‡ address budget; group item, membership and the user's group count in one round (conditional writes)`,
    ),
  ],
  [
    'GROUP_JOIN',
    floor(
      6,
      3,
      CREDENTIAL,
      `${LOGGED_IN} ∥ group item ∥ user's devices; membership, user-group item and group count (conditional) in one round`,
    ),
  ],
  [
    'GROUP_LEAVE by the owner',
    floor(
      8,
      3,
      CREDENTIAL,
      'as GROUP_LEAVE, plus the next member read and the ownership moved (conditional) in the write round',
    ),
  ],
  [
    'GROUP_LEAVE',
    floor(
      6,
      3,
      CREDENTIAL,
      `${LOGGED_IN} ∥ group item ∥ membership; delete membership ∥ user-group item ∥ departure mark`,
    ),
  ],
  ['GROUP_MEMBERS', floor(4, 2, CREDENTIAL, `${LOGGED_IN} ∥ membership ∥ a page of members (Query)`)],
  ['GROUPS', floor(3, 2, CREDENTIAL, `${LOGGED_IN} ∥ the user's groups (Query)`)],
  ['INBOX', floor(3, 2, CREDENTIAL, `${LOGGED_IN} ∥ the user's conversations (Query)`)],
  [
    'HISTORY',
    floor(
      4,
      2,
      CREDENTIAL,
      `${LOGGED_IN} ∥ a page of the conversation (Query) ∥ both profiles (where the conversation starts)`,
    ),
  ],
  ['GROUP_HISTORY', floor(4, 2, CREDENTIAL, `${LOGGED_IN} ∥ membership ∥ a page of messages (Query)`)],
  ['PING', floor(0, 0, NONE, 'answered by the handler alone')],
  ['unknown request', floor(0, 0, NONE, 'answered by the handler alone')],
  [
    'WHO',
    floor(
      5,
      3,
      {
        requests: 2,
        rounds: 2,
        what: '† credential read; † the blocks of the page, either way (BatchGetItem)',
      },
      `${LOGGED_IN} ∥ membership ∥ the group's connections (Query); † blocks of the page's names`,
    ),
  ],
  [
    'STATUS',
    floor(
      5,
      2,
      CREDENTIAL_BLOCK,
      `${LOGGED_IN} ∥ the user's presence ∥ a shared conversation (Query); † the block, either way`,
    ),
  ],
  [
    'WATCH',
    floor(
      6,
      3,
      CREDENTIAL_BLOCK,
      `${LOGGED_IN} ∥ the name's account ∥ a shared conversation; † blocks; the watch item ∥ its reverse ∥ the counter (conditional)`,
    ),
  ],
  [
    'UNWATCH',
    floor(4, 3, CREDENTIAL, `${LOGGED_IN}; delete the watch (conditional) ∥ its reverse ∥ the counter`),
  ],
  [
    'TYPING within 3 s',
    floor(0, 0, NONE, "dropped in memory by the connection's 3 s window, before any read"),
  ],
  [
    'TYPING_GROUP',
    floor(5, 3, CREDENTIAL, `${LOGGED_IN} ∥ membership; one job to the worker (SendMessage), which pushes`),
  ],
  [
    'TYPING',
    floor(
      5,
      3,
      CREDENTIAL_BLOCK,
      `${LOGGED_IN} ∥ the recipient's profile; † block; one job to the worker (SendMessage), which pushes after the answer`,
    ),
  ],
  ['HELP', floor(0, 0, NONE, 'answered by the handler alone')],
  [
    'GROUP_INVITE',
    floor(
      6,
      3,
      CREDENTIAL_BLOCK,
      `${LOGGED_IN} ∥ group item (owner) ∥ the invitee; † block; the invitation (PutItem)`,
    ),
  ],
  [
    'GROUP_KICK',
    floor(
      7,
      3,
      CREDENTIAL,
      `${LOGGED_IN} ∥ group item (owner) ∥ the member; delete membership ∥ user-group item ∥ departure mark ∥ count`,
    ),
  ],
  [
    'GROUP_OWNER',
    floor(
      5,
      3,
      CREDENTIAL,
      `${LOGGED_IN} ∥ group item ∥ the new owner's membership; the owner moved (conditional)`,
    ),
  ],
  [
    'GROUP_DELETE',
    floor(
      5,
      3,
      CREDENTIAL,
      `${LOGGED_IN} ∥ group item (owner); delete the group (conditional); one job (SendMessage) does the clean-up`,
    ),
  ],
  [
    'READ_GROUP',
    floor(
      6,
      4,
      CREDENTIAL,
      `${LOGGED_IN} ∥ membership ∥ the message; the cursor (conditional UpdateItem); the sender's devices, then the push`,
    ),
  ],
  [
    'READ',
    floor(
      6,
      4,
      CREDENTIAL_BLOCK,
      `${LOGGED_IN} ∥ the other side's devices; † block; the cursor (conditional UpdateItem); the push`,
    ),
  ],
  [
    'EDIT, private',
    floor(
      8,
      5,
      {
        requests: 2,
        rounds: 2,
        what: '† credential read; † block read (once the pointer names the recipient)',
      },
      `${LOGGED_IN} ∥ the MSGREF pointer; the recipient's account ∥ † block; the message updated (conditional); the other side's devices ∥ own, then the pushes`,
    ),
  ],
  [
    'EDIT, group',
    floor(
      6,
      4,
      CREDENTIAL,
      `${LOGGED_IN} ∥ the MSGREF pointer; the message updated (conditional); one signal job (SendMessage), whose page is pushed`,
    ),
  ],
  ['EDIT, not yours', floor(3, 2, CREDENTIAL, `${LOGGED_IN} ∥ the MSGREF pointer (not the caller's)`)],
  [
    'DELETE, private',
    floor(
      8,
      4,
      { requests: 2, rounds: 1, what: '† credential read; † block read (beside the tombstone)' },
      'as EDIT, private, but the recipient and the block are read beside the tombstone (conditional)',
    ),
  ],
  [
    'DELETE, a 1 KB file',
    floor(
      9,
      4,
      { requests: 2, rounds: 1, what: '† credential read; † block read (beside the tombstone)' },
      'as DELETE, private, plus the object deleted (DeleteObject) in the write round',
    ),
  ],
  [
    'SEND_ID, recipient online',
    floor(
      8,
      4,
      CREDENTIAL_BLOCK,
      'as SEND online, plus the client id claimed (conditional PutItem) in the store round',
    ),
  ],
  ['SEND_ID, retry', floor(3, 2, CREDENTIAL, `${LOGGED_IN} ∥ the claim (found: the first answer again)`)],
  [
    'PASSWORD',
    floor(
      8,
      4,
      {
        requests: 4,
        rounds: 1,
        what: '‡ hash slot, ‡ release; † credential read; † the other devices closed (their bindings are dead from the answer)',
      },
      'binding; account ∥ ‡ slot; scrypt × 2; the new hash and credential (conditional) ∥ release; the other device unbound',
    ),
  ],
  [
    'DELETE_ACCOUNT',
    floor(
      9,
      4,
      { requests: 3, rounds: 1, what: '‡ hash slot, ‡ release; † credential read' },
      'binding; account ∥ ‡ slot; scrypt; the account deleted (conditional) ∥ release; the devices unbound ∥ membership and user-group removed ∥ one clean-up job',
    ),
  ],
  ['BLOCKED', floor(3, 2, CREDENTIAL, `${LOGGED_IN} ∥ the user's blocks (Query)`)],
  [
    'BLOCK',
    floor(
      4,
      3,
      CREDENTIAL,
      `${LOGGED_IN}; the block ∥ the count (conditional, ≤ 1,000); no account read (a name nobody has is blocked alike)`,
    ),
  ],
  ['UNBLOCK', floor(4, 3, CREDENTIAL, `${LOGGED_IN}; delete the block (conditional) ∥ the count`)],
  [
    'GROUP_UNINVITE',
    floor(
      4,
      3,
      CREDENTIAL,
      `${LOGGED_IN} ∥ group item (owner); delete the invitation (conditional: not_invited when there is none)`,
    ),
  ],
];
