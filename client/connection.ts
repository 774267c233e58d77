/**
 * One live link to obrol (see client/index.ts for the contract). Requests are pipelined: each goes out with a request
 * tag (`#7 SEND bob hi`, docs/PROTOCOL.md *Request tags*) and its answer, which may come before the answers of
 * requests sent earlier, is matched by the tag it echoes. Requests that only read (HISTORY, GROUPS…) go at once;
 * requests that act (SEND, EDIT, GROUP_JOIN…) go one after another, so messages are stored in the order sent;
 * requests that change who is logged in (AUTH, LOGOUT, DELETE_ACCOUNT) go alone: after every earlier answer, and
 * before any later request (requests.ts, laneOf). Pushes are unpacked from BATCH frames and de-duplicated by id
 * across reconnects.
 */
import { type BackoffOptions, backoffMs } from './backoff.js';
import { Emitter } from './emitter.js';
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_FRAME_BYTES,
  type Limits,
  limitsOf,
  REQUEST_TAG_BYTES,
} from './files.js';
import { decodeFrame, FrameSplitter, pushIdentity, SeenIds } from './frames.js';
import {
  ClientClosedError,
  FrameTooLargeError,
  type Lane,
  LostRequestError,
  laneOf,
  safeToResend,
} from './requests.js';
import type { Answer, Push, PushMap } from './types.js';

export type ConnectionState = 'connecting' | 'authenticating' | 'online' | 'offline' | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** For `offline`: the reconnect attempt about to be made (0-based) and the wait before it. */
  attempt?: number;
  delayMs?: number;
}

export type ClientEvents = {
  /** Every push, once (duplicates dropped), BATCH frames unpacked, oldest first. */
  push: (push: Push) => void;
  state: (change: StateChange) => void;
  /** The automatic re-login after a reconnect was refused; the credentials are forgotten. */
  reauthFailed: (answer: Answer) => void;
};

/** What `verify` gets to ask the server with: requests that go before everything else in the queue. */
export type FirstRequest = (line: string) => Promise<Answer>;

export interface RequestOptions {
  /**
   * For a request that is not safe to resend (see requests.ts), run once logged in again when the connection
   * dropped with this request in flight: true if it took effect (the request then resolves with
   * `{status:'OK', data:null, recovered:true}`), false to send it again. Without `verify` such a request
   * rejects with LostRequestError.
   */
  verify?: (request: FirstRequest) => Promise<boolean>;
  /** Overrides the built-in rule of which requests may be resent after a drop. */
  resend?: boolean;
}

/** The subset of the standard WebSocket this client uses (so tests can pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ClientOptions {
  /** Makes the socket; default `new WebSocket(url)` (the global of browsers and Node ≥ 22). */
  createSocket?: (url: string) => SocketLike;
  /** An idle connection sends PING this often (ms). Default 4 minutes (API Gateway closes after 10 idle). */
  pingIntervalMs?: number;
  backoff?: BackoffOptions;
}

interface Pending {
  line: string;
  options: RequestOptions;
  /** A request of `verify`: it goes before the rest, even while the queue is held for a recovery. */
  first: boolean;
  /**
   * `alone`: sent when nothing else is in flight, and nothing is sent until it is answered; `ordered`: not while
   * another ordered request is in flight; `free`: whenever nothing alone is in flight.
   */
  lane: Lane;
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

const OPEN = 1;
export const DEFAULT_PING_INTERVAL_MS = 4 * 60 * 1000;
/** At most this many requests in flight on one connection; the rest wait in the queue. */
export const MAX_IN_FLIGHT = 16;
/** 36^8: tags stay within 8 characters (REQUEST_TAG_BYTES); far more requests than are ever in flight at once. */
const TAG_WRAP = 36 ** 8;

export class ObrolClient {
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly splitter = new FrameSplitter();
  private readonly seen = new SeenIds();
  private readonly queue: Pending[] = [];
  private socket: SocketLike | undefined;
  /** Sent and unanswered, by tag, in the order they were sent. */
  private readonly inFlight = new Map<string, Pending>();
  private lastTag = 0;
  private credentials: { user: string; password: string } | undefined;
  private reauthing: Pending | undefined;
  private readonly unsure: Pending[] = [];
  private recovering = false;
  private attempt = 0;
  private closed = true;
  private disposed = false;
  private currentState: ConnectionState = 'closed';
  private pinger: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private knownLimits: Limits | undefined;

  constructor(
    readonly url: string,
    private readonly options: ClientOptions = {},
  ) {}

  /** Opens the connection (and keeps reopening it until close()). Requests may be made before it is open. */
  open(): this {
    if (!this.closed || this.disposed) return this;
    this.closed = false;
    this.connect();
    return this;
  }

  /** Closes for good: queued and in-flight requests reject with ClientClosedError. */
  close(): void {
    this.closed = true;
    this.disposed = true;
    if (this.retry) clearTimeout(this.retry);
    this.stopPing();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
    const pending = [...this.inFlight.values(), ...this.unsure.splice(0), ...this.queue.splice(0)];
    this.inFlight.clear();
    for (const p of pending) p.reject(new ClientClosedError());
    this.setState({ state: 'closed' });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The user this client logs in as after a reconnect (undefined when logged out). */
  get user(): string | undefined {
    return this.credentials?.user;
  }

  on<K extends keyof ClientEvents>(name: K, listener: ClientEvents[K]): () => void {
    return this.emitter.on(name, listener);
  }

  /** Listens to one kind of push, typed by its event name. */
  onPush<K extends keyof PushMap>(event: K, listener: (push: PushMap[K]) => void): () => void {
    return this.emitter.on('push', (push) => {
      if (push.event === event) listener(push as PushMap[K]);
    });
  }

  /**
   * Sends one protocol line (in the seed form, without a tag: the client adds its own); resolves with its answer.
   * Requests are sent in the order they were made, several at once, and may be answered in any order.
   */
  request(line: string, options: RequestOptions = {}): Promise<Answer> {
    return this.enqueue(line, options, false);
  }

  /** AUTH; on success the credentials stay in this object's memory (never stored) for re-login after a reconnect. */
  async login(user: string, password: string): Promise<Answer> {
    const answer = await this.request(`AUTH ${user} ${password}`);
    if (answer.status === 'OK') this.credentials = { user, password };
    return answer;
  }

  /**
   * The sizes this client must keep to (the largest frame it may send, the inline file bound), as the server's HELP
   * advertises them: asked once, then remembered. Without an answer (an old server, a lost connection) the
   * defaults, and it asks again next time.
   */
  async limits(): Promise<Limits> {
    if (this.knownLimits) return this.knownLimits;
    try {
      const answer = await this.request('HELP');
      if (answer.status !== 'OK') return { ...DEFAULT_LIMITS };
      this.knownLimits = limitsOf(answer);
      return this.knownLimits;
    } catch {
      return { ...DEFAULT_LIMITS };
    }
  }

  /**
   * PASSWORD: on success the new password replaces the old one for the automatic re-login after a reconnect (with
   * the old one that re-login would be refused). The service logs out this user's other connections.
   */
  async changePassword(oldPassword: string, newPassword: string): Promise<Answer> {
    const answer = await this.request(`PASSWORD ${oldPassword} ${newPassword}`);
    if (answer.status === 'OK' && this.credentials)
      this.credentials = { ...this.credentials, password: newPassword };
    return answer;
  }

  /** DELETE_ACCOUNT: on success this connection is logged out, and the credentials are forgotten. */
  async deleteAccount(password: string): Promise<Answer> {
    const answer = await this.request(`DELETE_ACCOUNT ${password}`);
    if (answer.status === 'OK') this.credentials = undefined;
    return answer;
  }

  /** LOGOUT, and forgets the credentials. */
  async logout(): Promise<Answer> {
    const answer = await this.request('LOGOUT');
    this.credentials = undefined;
    return answer;
  }

  private enqueue(line: string, options: RequestOptions, first: boolean): Promise<Answer> {
    if (this.disposed) return Promise.reject(new ClientClosedError());
    // Never a frame over the limit: API Gateway would close the connection (1009) and every request in flight with it.
    // The frame is the request and its tag (REQUEST_TAG_BYTES at most).
    const maxBytes = this.knownLimits?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (line.length * 3 + REQUEST_TAG_BYTES > maxBytes) {
      const bytes = new TextEncoder().encode(line).length + REQUEST_TAG_BYTES;
      if (bytes > maxBytes) return Promise.reject(new FrameTooLargeError(line, bytes, maxBytes));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = { line, options, first, lane: laneOf(line), resolve, reject };
      // A recovery's own requests go after the earlier ones of the recovery, before everything else.
      if (first) this.queue.splice(this.queue.filter((p) => p.first).length, 0, pending);
      else this.queue.push(pending);
      this.pump();
    });
  }

  private connect(): void {
    this.setState({ state: 'connecting' });
    let socket: SocketLike;
    try {
      socket = this.options.createSocket?.(this.url) ?? (new WebSocket(this.url) as unknown as SocketLike);
    } catch {
      this.scheduleReconnect();
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.splitter.reset();
    socket.onopen = () => this.opened(socket);
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = () => this.dropped(socket);
    socket.onerror = () => undefined; // a close event always follows
  }

  private opened(socket: SocketLike): void {
    if (this.socket !== socket) return;
    this.attempt = 0;
    this.startPing();
    const credentials = this.credentials;
    if (!credentials) {
      this.online();
      return;
    }
    this.setState({ state: 'authenticating' });
    this.reauthing = {
      line: `AUTH ${credentials.user} ${credentials.password}`,
      options: {},
      first: true,
      lane: 'alone',
      resolve: (answer) => {
        this.reauthing = undefined;
        if (answer.status !== 'OK') {
          this.credentials = undefined;
          this.emitter.emit('reauthFailed', answer);
        }
        this.online();
      },
      reject: () => undefined,
    };
    this.send(socket, this.reauthing);
  }

  private online(): void {
    this.setState({ state: 'online' });
    void this.recover();
    this.pump();
  }

  private dropped(socket: SocketLike): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.stopPing();
    // A lost re-AUTH is simply made again on the next connection.
    const lost = [...this.inFlight.values()].filter((p) => p !== this.reauthing);
    this.inFlight.clear();
    this.reauthing = undefined;
    this.handleLost(lost);
    if (!this.closed) this.scheduleReconnect();
  }

  /** The requests in flight when the connection dropped, in the order they were sent. */
  private handleLost(lost: Pending[]): void {
    const resend: Pending[] = [];
    for (const p of lost) {
      if (p.options.resend ?? safeToResend(p.line)) resend.push(p);
      else if (p.options.verify) this.unsure.push(p);
      else p.reject(new LostRequestError(p.line));
    }
    // Resent first, in their old order, before anything queued after them.
    this.queue.unshift(...resend);
  }

  /** Once online again: did each unsure request take effect? Each is resent only if it did not. */
  private async recover(): Promise<void> {
    if (this.unsure.length === 0 || this.recovering) return;
    const lost = this.unsure.splice(0);
    this.recovering = true;
    const again: Pending[] = [];
    for (const p of lost) {
      const verify = p.options.verify;
      const landed = verify ? await verify((line) => this.enqueue(line, {}, true)).catch(() => false) : false;
      if (this.disposed) p.reject(new ClientClosedError());
      else if (landed) p.resolve({ status: 'OK', data: null, recovered: true });
      else again.push(p);
    }
    this.recovering = false;
    this.queue.unshift(...again);
    this.pump();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const attempt = this.attempt++;
    const delayMs = backoffMs(attempt, this.options.backoff);
    this.setState({ state: 'offline', attempt, delayMs });
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, delayMs);
  }

  private pump(): void {
    for (;;) {
      const socket = this.socket;
      if (this.currentState !== 'online' || !socket || socket.readyState !== OPEN) return;
      if (this.inFlight.size >= MAX_IN_FLIGHT) return;
      const next = this.queue[0];
      if (!next || (this.recovering && !next.first)) return;
      if (!this.mayGo(next)) return;
      this.queue.shift();
      this.send(socket, next);
    }
  }

  /** Whether `next` may be sent beside what is in flight (its lane, see Pending). */
  private mayGo(next: Pending): boolean {
    const lanes = new Set([...this.inFlight.values()].map((p) => p.lane));
    if (lanes.has('alone')) return false;
    if (next.lane === 'alone') return this.inFlight.size === 0;
    return next.lane === 'free' || !lanes.has('ordered');
  }

  /** Each request gets a tag of its own on this client: a counter in base 36, at most 8 characters (then it wraps). */
  private send(socket: SocketLike, pending: Pending): void {
    this.lastTag = (this.lastTag + 1) % TAG_WRAP;
    const tag = this.lastTag.toString(36);
    this.inFlight.set(tag, pending);
    socket.send(`#${tag} ${pending.line}`);
  }

  /**
   * The request an answer belongs to: the one with its tag. An answer without a tag (API Gateway's own failure
   * frame, which answers a request but knows no tag) is taken as the answer to the oldest request in flight.
   */
  private answered(answer: Answer): { pending: Pending | undefined; answer: Answer } {
    const { tag, ...untagged } = answer as Answer & { tag?: unknown };
    const key = typeof tag === 'string' ? tag : this.inFlight.keys().next().value;
    const pending = key === undefined ? undefined : this.inFlight.get(key);
    if (key !== undefined) this.inFlight.delete(key);
    return { pending, answer: untagged as Answer };
  }

  private receive(data: unknown): void {
    const chunk =
      typeof data === 'string' || data instanceof ArrayBuffer || data instanceof Uint8Array ? data : '';
    for (const frame of this.splitter.push(chunk)) {
      const decoded = decodeFrame(frame);
      if (decoded?.kind === 'pushes') {
        for (const push of decoded.pushes)
          if (this.seen.fresh(pushIdentity(push))) this.emitter.emit('push', push);
      } else if (decoded?.kind === 'answer') {
        const { pending, answer } = this.answered(decoded.answer);
        pending?.resolve(answer);
        this.pump();
      }
    }
  }

  private startPing(): void {
    this.stopPing();
    const interval = this.options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.pinger = setInterval(() => {
      if (this.inFlight.size === 0 && this.queue.length === 0) this.request('PING').catch(() => undefined);
    }, interval);
  }

  private stopPing(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = undefined;
  }

  private setState(change: StateChange): void {
    this.currentState = change.state;
    this.emitter.emit('state', change);
  }
}
