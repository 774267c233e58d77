/** The shapes on the wire, as docs/PROTOCOL.md defines them (client side: everything optional is checked). */

/** The signed S3 POST form of a `silakan unggah file` answer. */
export interface UploadForm {
  id: string;
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string;
}

/** The answer to a request: `status`, `data`, and on failure a `reason` code. */
export interface Answer {
  status: 'OK' | 'ERROR';
  data: unknown;
  reason?: string;
  /** Paging (HISTORY, GROUP_HISTORY, GROUP_MEMBERS): send it back for the following page. */
  next?: string;
  /** INBOX: more pushes wait than fit in one answer. */
  more?: boolean;
  /** SEND_FILE / SEND_GROUP_FILE without content. */
  upload?: UploadForm;
  /** The stored message's id, once the server sends it (issue 12). */
  id?: string;
  /** SEND_ID to a user: a device of the recipient took the message before the answer (issue 23). */
  delivered?: true;
  /** HISTORY of a private conversation: the other user has read it up to this id (READ). */
  readUpTo?: string;
  /** Set by the client (never by the server) when the answer was lost with the connection and `verify` found the request had taken effect. */
  recovered?: true;
}

export interface MessagePush {
  event: 'MESSAGE';
  id: string;
  from: string;
  to: string;
  message: string;
  sentAt: string;
}

export interface GroupMessagePush {
  event: 'GROUP_MESSAGE';
  id: string;
  group: string;
  from: string;
  message: string;
  sentAt: string;
}

interface FileFields {
  id: string;
  from: string;
  filename: string;
  size: number;
  contentType: string;
  sentAt: string;
  url: string;
  expiresAt: string;
}

export interface FilePush extends FileFields {
  event: 'FILE';
  to: string;
}

export interface GroupFilePush extends FileFields {
  event: 'GROUP_FILE';
  group: string;
}

export interface FileSentPush {
  event: 'FILE_SENT';
  id: string;
  to?: string;
  group?: string;
  filename: string;
  size: number;
  sentAt: string;
}

export interface FileFailedPush {
  event: 'FILE_FAILED';
  id: string;
  reason: string;
}

/** A watched user came online or went offline (WATCH); `at` is when (for offline, their lastSeen). */
export interface PresencePush {
  event: 'PRESENCE';
  id: string;
  user: string;
  online: boolean;
  at: string;
}

/** Someone is typing to you (`to`) or in a group (`group`); never stored, at most every 3 s per conversation. */
export interface TypingPush {
  event: 'TYPING';
  id: string;
  from: string;
  to?: string;
  group?: string;
}

/** Private groups and owners (issue 12): an invitation, a removal by the owner, a deletion. */
export interface GroupInvitedPush {
  event: 'GROUP_INVITED';
  id: string;
  group: string;
  by: string;
  /** When the invitation lapses. */
  until: string;
}

export interface GroupKickedPush {
  event: 'GROUP_KICKED';
  id: string;
  group: string;
  by: string;
}

export interface GroupDeletedPush {
  event: 'GROUP_DELETED';
  id: string;
  group: string;
}

/** Every push this client knows, by its `event`. */
/** PASSWORD or DELETE_ACCOUNT on another device of the user: this connection is no longer logged in. */
export interface LoggedOutPush {
  event: 'LOGGED_OUT';
  id: string;
  reason: 'password_changed' | 'account_deleted' | string;
}

export interface PushMap {
  MESSAGE: MessagePush;
  GROUP_MESSAGE: GroupMessagePush;
  FILE: FilePush;
  GROUP_FILE: GroupFilePush;
  FILE_SENT: FileSentPush;
  FILE_FAILED: FileFailedPush;
  PRESENCE: PresencePush;
  TYPING: TypingPush;
  GROUP_INVITED: GroupInvitedPush;
  GROUP_KICKED: GroupKickedPush;
  GROUP_DELETED: GroupDeletedPush;
  LOGGED_OUT: LoggedOutPush;
}

/** Any push: a known one, or one a newer server added (still has `event` and `id`). */
export type Push = PushMap[keyof PushMap] | { event: string; id: string; [field: string]: unknown };

/** A conversation: a user, or a group. */
export type Conversation = { user: string } | { group: string };

/** One entry of CONVERSATIONS: the other user (as registered) and the conversation's newest message. */
export interface ConversationSummary {
  with: string;
  id: string;
  from: string;
  sentAt: string;
  /** The newest message is a deleted one (a tombstone). */
  deleted?: boolean;
}
