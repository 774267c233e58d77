/**
 * One live link to obrol: requests go out one at a time (the protocol's answers carry no id, and API Gateway may
 * run two requests of one connection concurrently, so one in flight is the only safe matching), pushes are
 * unpacked and de-duplicated, a PING every 4 minutes keeps API Gateway's 10-minute idle limit away, and a dropped
 * connection is reopened with back-off and logged in again with the credentials kept in this object's memory.
 * Requests queued while offline wait; the one in flight when the link dropped is resent, except a send, whose
 * fate is unknown: the app's `verify` decides (it looks for the message in the conversation's history).
 */
import { type Answer, backoffMs, decodeFrame, type Push, SeenIds, splitFrames } from './protocol.js';

export type LinkState = 'connecting' | 'online' | 'offline';

export interface ConnectionEvents {
  push(push: Push): void;
  state(state: LinkState): void;
  /** The automatic re-login failed (e.g. the password changed): the app shows the login again. */
  loggedOut(answer: Answer): void;
}

export interface RequestOptions {
  /** Needs a logged-in connection: held back until the re-AUTH after a reconnect has answered. */
  authed?: boolean;
  /** For a request whose answer was lost with the connection: true if it took effect (then it is not resent). */
  verify?: () => Promise<boolean>;
}

interface Pending {
  line: string;
  options: RequestOptions;
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

export const PING_INTERVAL_MS = 4 * 60 * 1000;

export class Connection {
  private socket: WebSocket | undefined;
  private buffer = '';
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private readonly seen = new SeenIds();
  private credentials: { user: string; password: string } | undefined;
  private authed = false;
  private reauthing = false;
  /** A send whose answer was lost with the connection, and the check that runs before anything else. */
  private unsure: Pending | undefined;
  private recovering = false;
  private attempt = 0;
  private closed = false;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private url: string,
    private readonly events: ConnectionEvents,
  ) {}

  open(): void {
    this.closed = false;
    this.connect();
  }

  /** Switches to another server: drops the current link and its login. */
  setUrl(url: string): void {
    this.url = url;
    this.credentials = undefined;
    this.authed = false;
    this.socket?.close();
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.pinger) clearInterval(this.pinger);
    this.socket?.close();
    for (const p of this.queue.splice(0)) p.reject(new Error('closed'));
  }

  get user(): string | undefined {
    return this.authed ? this.credentials?.user : undefined;
  }

  request(line: string, options: RequestOptions = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const pending = { line, options, resolve, reject };
      // The check of an unsure send goes first: nothing else is sent until it has decided.
      if (this.recovering) this.queue.unshift(pending);
      else this.queue.push(pending);
      this.pump();
    });
  }

  /** AUTH; on success the credentials stay in memory (never in storage) for re-login after a reconnect. */
  async login(user: string, password: string): Promise<Answer> {
    const answer = await this.request(`AUTH ${user} ${password}`);
    if (answer.status === 'OK') {
      this.credentials = { user, password };
      this.authed = true;
    }
    return answer;
  }

  async logout(): Promise<Answer> {
    const answer = await this.request('LOGOUT', { authed: true });
    this.credentials = undefined;
    this.authed = false;
    return answer;
  }

  private connect(): void {
    this.events.state('connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.buffer = '';
    socket.onopen = () => {
      this.attempt = 0;
      this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
      if (this.credentials) void this.reauth();
      else {
        this.events.state('online');
        void this.recover();
      }
      this.pump();
    };
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.pinger) clearInterval(this.pinger);
      this.authed = false;
      const lost = this.inFlight;
      this.inFlight = undefined;
      if (lost) this.requeue(lost);
      this.events.state('offline');
      if (!this.closed) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.events.state('offline');
    this.retry = setTimeout(() => this.connect(), backoffMs(this.attempt++));
  }

  /** The request whose answer was lost goes back to the front, or waits to be checked when it may have landed. */
  private requeue(lost: Pending): void {
    if (lost.options.verify) this.unsure = lost;
    else this.queue.unshift(lost);
  }

  /** Once logged in again: did the unsure request take effect? Resend it only if it did not. */
  private async recover(): Promise<void> {
    const lost = this.unsure;
    const verify = lost?.options.verify;
    if (!lost || !verify) return;
    this.unsure = undefined;
    this.recovering = true;
    const landed = await verify().catch(() => false);
    this.recovering = false;
    if (landed) lost.resolve({ status: 'OK', data: 'pesan terkirim' });
    else this.queue.unshift(lost);
    this.pump();
  }

  private async reauth(): Promise<void> {
    const credentials = this.credentials;
    if (!credentials) return;
    this.reauthing = true;
    const socket = this.socket;
    const answer = await this.send(`AUTH ${credentials.user} ${credentials.password}`).catch(() => undefined);
    this.reauthing = false;
    if (socket !== this.socket || !answer) return;
    if (answer.status === 'OK') {
      this.authed = true;
      this.events.state('online');
      void this.recover();
    } else {
      this.credentials = undefined;
      this.events.loggedOut(answer);
    }
    this.pump();
  }

  /** Sends one line outside the queue (re-AUTH) and waits for its answer. */
  private send(line: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.inFlight = { line, options: {}, resolve, reject };
      this.socket?.send(line);
    });
  }

  private ping(): void {
    if (!this.inFlight && this.queue.length === 0) void this.request('PING').catch(() => undefined);
  }

  private pump(): void {
    if (this.inFlight || this.reauthing || this.socket?.readyState !== WebSocket.OPEN) return;
    const next = this.queue[0];
    if (!next) return;
    if (next.options.authed && !this.authed && this.credentials) return;
    this.queue.shift();
    this.inFlight = next;
    this.socket.send(next.line);
  }

  private receive(text: string): void {
    const { frames, rest } = splitFrames(this.buffer + text);
    this.buffer = rest;
    for (const frame of frames) {
      const decoded = decodeFrame(frame);
      if (decoded?.kind === 'pushes') {
        for (const push of decoded.pushes) if (this.seen.fresh(push.id)) this.events.push(push);
      } else if (decoded?.kind === 'answer') {
        const done = this.inFlight;
        this.inFlight = undefined;
        done?.resolve(decoded.answer);
        this.pump();
      }
    }
  }
}
