/**
 * A short English explanation of each failure `reason` (docs/PROTOCOL.md, shared/protocol/replies.ts), to show
 * beside the Indonesian `data`. A reason this table does not know (a newer server) is shown as its code.
 */

const EXPLANATIONS: Record<string, string> = {
  unknown_request: 'the server does not know this command',
  bad_request: 'wrong number or shape of parameters',
  not_authenticated: 'log in first (/login)',
  invalid_credentials: 'unknown user or wrong password',
  username_taken: 'that username is already taken',
  unknown_recipient: 'no such user',
  unknown_group: 'no such group',
  unknown_file: 'no such file, not uploaded yet, or not yours',
  not_a_member: 'you are not a member of that group',
  group_exists: 'a group with that name already exists',
  group_full: 'the group has reached its member limit',
  rate_limited: 'this connection or address sent too much too fast; wait retryAfter seconds',
  too_many_attempts:
    'too many failed logins for this account or from this address; try again later (see retryAfter)',
  too_many_groups: 'you are in as many groups as one user may be (leave one first)',
  too_large: 'too large',
  not_available: 'this feature is switched off on this server',
  internal_error: 'the server failed; the request may or may not have taken effect',
  not_allowed: 'you may only see the presence of people you share a group or a conversation with',
  too_many_watches: 'this connection watches as many users as it may (UNWATCH some first)',
  not_owner: 'only the group owner may do that',
  not_invited: 'this group is private: the owner has to invite you first',
  unknown_message: 'no such message in that conversation, or not yours to change',
  too_late: 'the message is too old to edit or delete',
  not_editable: 'a file cannot be edited (delete it and send it again)',
  client_id_reused: 'that client id was already used (within 24 h) for a different message; use a new one',
  login_conflict: 'another AUTH or LOGOUT on this connection changed the login first; nothing was changed',
  too_many_watchers: 'as many connections as may already watch that user (try again later)',
  too_many_blocks: 'you have blocked as many users as you may (UNBLOCK some first)',
};

export function explainReason(reason: string | undefined): string {
  if (!reason) return 'failed';
  return Object.hasOwn(EXPLANATIONS, reason) ? (EXPLANATIONS[reason] as string) : `reason: ${reason}`;
}

/** The reasons this table explains (a test keeps it in step with the server's list). */
export const EXPLAINED_REASONS = Object.keys(EXPLANATIONS);
