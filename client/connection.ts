/**
 * One live link to obrol (see client/index.ts for the contract). Requests go out one at a time, in order: answers
 * carry no request id and API Gateway may run two requests of one connection at once, so one in flight is the only
 * safe matching. Pushes are unpacked from BATCH frames and de-duplicated by id across reconnects.
 */
import { type BackoffOptions, backoffMs } from './backoff.js';
import { Emitter } from './emitter.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_FRAME_BYTES, type Limits, limitsOf } from './files.js';
import { decodeFrame, FrameSplitter, pushIdentity, SeenIds } from './frames.js';
import { ClientClosedError, FrameTooLargeError, LostRequestError, safeToResend } from './requests.js';
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
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

const OPEN = 1;
export const DEFAULT_PING_INTERVAL_MS = 4 * 60 * 1000;

export class ObrolClient {
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly splitter = new FrameSplitter();
  private readonly seen = new SeenIds();
  private readonly queue: Pending[] = [];
  private socket: SocketLike | undefined;
  private inFlight: Pending | undefined;
  private credentials: { user: string; password: string } | undefined;
  private reauthing: Pending | undefined;
  private unsure: Pending | undefined;
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
    const pending = [this.inFlight, this.unsure, ...this.queue.splice(0)];
    this.inFlight = undefined;
    this.unsure = undefined;
    for (const p of pending) p?.reject(new ClientClosedError());
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

  /** Sends one protocol line when every earlier request has been answered; resolves with its answer. */
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

  /** LOGOUT, and forgets the credentials. */
  async logout(): Promise<Answer> {
    const answer = await this.request('LOGOUT');
    this.credentials = undefined;
    return answer;
  }

  private enqueue(line: string, options: RequestOptions, first: boolean): Promise<Answer> {
    if (this.disposed) return Promise.reject(new ClientClosedError());
    // Never a frame over the limit: API Gateway would close the connection (1009) and every request in flight with it.
    const maxBytes = this.knownLimits?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (line.length * 3 > maxBytes) {
      const bytes = new TextEncoder().encode(line).length;
      if (bytes > maxBytes) return Promise.reject(new FrameTooLargeError(line, bytes, maxBytes));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = { line, options, first, resolve, reject };
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
    this.inFlight = this.reauthing;
    socket.send(this.reauthing.line);
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
    const lost = this.inFlight;
    this.inFlight = undefined;
    // A lost re-AUTH is simply made again on the next connection.
    if (lost && lost !== this.reauthing) this.handleLost(lost);
    this.reauthing = undefined;
    if (!this.closed) this.scheduleReconnect();
  }

  private handleLost(lost: Pending): void {
    const resend = lost.options.resend ?? safeToResend(lost.line);
    if (resend) this.queue.unshift(lost);
    else if (lost.options.verify) this.unsure = lost;
    else lost.reject(new LostRequestError(lost.line));
  }

  /** Once online again: did the unsure request take effect? It is resent only if it did not. */
  private async recover(): Promise<void> {
    const lost = this.unsure;
    const verify = lost?.options.verify;
    if (!lost || !verify || this.recovering) return;
    this.unsure = undefined;
    this.recovering = true;
    const landed = await verify((line) => this.enqueue(line, {}, true)).catch(() => false);
    this.recovering = false;
    if (this.disposed) lost.reject(new ClientClosedError());
    else if (landed) lost.resolve({ status: 'OK', data: null, recovered: true });
    else this.queue.unshift(lost);
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
    const socket = this.socket;
    if (this.inFlight || this.currentState !== 'online' || !socket || socket.readyState !== OPEN) return;
    const next = this.queue[0];
    if (!next || (this.recovering && !next.first)) return;
    this.queue.shift();
    this.inFlight = next;
    socket.send(next.line);
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
        const done = this.inFlight;
        this.inFlight = undefined;
        done?.resolve(decoded.answer);
        this.pump();
      }
    }
  }

  private startPing(): void {
    this.stopPing();
    const interval = this.options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.pinger = setInterval(() => {
      if (!this.inFlight && this.queue.length === 0) this.request('PING').catch(() => undefined);
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
