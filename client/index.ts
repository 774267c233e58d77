/**
 * obrol's protocol client: one module for the terminal client (cli/) and the web page (web/). It uses only the
 * standard WebSocket, TextEncoder/TextDecoder and timers (no Node imports), so esbuild bundles it for browsers.
 * docs/CLIENTS.md explains the choices; docs/PROTOCOL.md is the wire contract.
 *
 *   const client = new ObrolClient('ws://127.0.0.1:3001').open();
 *   client.on('state', ({ state }) => …);             // connecting | authenticating | online | offline | closed
 *   client.onPush('MESSAGE', (m) => …);                // typed pushes; client.on('push', …) gets every push
 *   await client.request('REGISTER bob rahasia123 ID Bob');   // → Answer {status, data, reason?, next?, upload?}
 *   await client.login('bob', 'rahasia123');           // AUTH; credentials kept in memory for re-login
 *   await client.request('SEND alice halo', { verify: sentMessageVerifier('bob', { user: 'alice' }, 'halo', Date.now()) });
 *   await lastMessages((l) => client.request(l), { user: 'alice' }, 20);
 *   client.close();
 *
 * ObrolClient (connection.ts)
 * - Framing: received text (or bytes cut anywhere) is split at CR LF CR LF; `status` = answer, `event` = push;
 *   a BATCH push is unpacked into its pushes; a push seen before is dropped (across reconnects): by `id`, and for
 *   MESSAGE_EDITED / MESSAGE_DELETED (which carry the id of the message they change) by id with editedAt / as deleted.
 * - request(line, {verify?, resend?}): sent in the order made, up to MAX_IN_FLIGHT (16) at once, each with a
 *   request tag (`#7 …`, docs/PROTOCOL.md Request tags); each answer is matched by the tag it echoes (API Gateway
 *   runs the requests of one connection side by side, so answers come in any order) and resolves without the tag.
 *   Read-only requests go at once; requests that act go one after another (two SENDs are stored in the order
 *   sent); AUTH, LOGOUT and DELETE_ACCOUNT go alone: after every earlier answer, before any later one. An answer
 *   without a tag (API Gateway's own failure frame) is taken as the oldest request's. Requests made while offline
 *   wait. A request may be at most the frame limit less REQUEST_TAG_BYTES (10).
 * - Keep-alive: PING every 4 minutes (pingIntervalMs) when idle; API Gateway closes after 10 idle minutes.
 * - Reconnect: back-off 0.5 s doubling to 30 s, full jitter (0–100 %, backoff.ts); after a reconnect the client sends
 *   AUTH with the credentials of the last successful login()/kept in memory only, before any queued request.
 *   If that AUTH is refused: 'reauthFailed' event, credentials forgotten, queued requests go on (unauthenticated).
 * - A request in flight when the connection dropped: resent first after the reconnect if safe to repeat
 *   (requests.ts: PING, HELP, AUTH, LOGOUT, listings, HISTORY, GROUP_JOIN, FILE_URL, SEND_FILE without content, SEND_ID);
 *   otherwise (SEND, SEND_GROUP, inline files, REGISTER, GROUP_CREATE, GROUP_LEAVE, unknown words) never resent
 *   blindly: with a `verify` it is checked once online again (true → resolves {status:'OK', data:null,
 *   recovered:true}; false → resent), without one it rejects with LostRequestError.
 * - A request over the frame limit (32,768 bytes of UTF-8, or what HELP advertised) is never sent: it rejects with
 *   FrameTooLargeError (API Gateway would close the connection with 1009).
 * - close(): for good; pending requests reject with ClientClosedError.
 *
 * - limits(): the largest frame it may send and the inline file bound, from HELP (asked once; defaults 32,768 and
 *   24,000 without it). A client never sends a frame over 32 KB: API Gateway closes the connection (1009).
 *
 * Helpers: toBase64, sendsInline(target, name, size, limits)/inlineFrameBytes/limitsOf, safeFileName, fileCommand, upload + UploadTransport +
 * xhrTransport, uploadFormOf (files.ts); lastMessages, allMembers, recentConversations, historyCommand, sentMessageVerifier
 * (history.ts); explainReason (reasons.ts); FrameSplitter, decodeFrame, SeenIds, pushIdentity (frames.ts); backoffMs.
 */

export { type BackoffOptions, backoffMs } from './backoff.js';
export {
  type ClientEvents,
  type ClientOptions,
  type ConnectionState,
  DEFAULT_PING_INTERVAL_MS,
  type FirstRequest,
  MAX_IN_FLIGHT,
  ObrolClient,
  type RequestOptions,
  type SocketLike,
  type StateChange,
} from './connection.js';
export {
  DEFAULT_LIMITS,
  DEFAULT_MAX_FRAME_BYTES,
  fileCommand,
  INLINE_MAX_BYTES,
  inlineFrameBytes,
  type Limits,
  limitsOf,
  REQUEST_TAG_BYTES,
  safeFileName,
  sendsInline,
  toBase64,
  UploadError,
  type UploadRequest,
  type UploadTransport,
  upload,
  uploadFormOf,
  xhrTransport,
} from './files.js';
export { type Decoded, decodeFrame, FRAME_END, FrameSplitter, pushIdentity, SeenIds } from './frames.js';
export {
  allMembers,
  CLOCK_SKEW_MS,
  historyCommand,
  ListingError,
  lastMessages,
  type Requester,
  recentConversations,
  sentMessageVerifier,
} from './history.js';
export { EXPLAINED_REASONS, explainReason } from './reasons.js';
export {
  ClientClosedError,
  commandWord,
  FrameTooLargeError,
  LostRequestError,
  safeToResend,
} from './requests.js';
export type * from './types.js';
