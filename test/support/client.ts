/**
 * A protocol client for tests: a real WebSocket, frames split into responses (no `event`) and pushes (with
 * `event`). Requests go one at a time, each waiting for its response, as a person at wscat would.
 */
import WebSocket, { type ClientOptions } from 'ws';
import { WAIT_MS } from './waits.js';

export type Frame = {
  status?: string;
  data?: unknown;
  reason?: string;
  event?: string;
  [key: string]: unknown;
};

const FRAME_END = '\r\n\r\n';

export class ChatClient {
  readonly raw: string[] = [];
  readonly pushes: Frame[] = [];
  /** CAUGHT_UP pushes (one per login, when its backlog is all sent), kept apart from the other pushes. */
  readonly syncs: Frame[] = [];
  /** Every frame in arrival order, responses and pushes together. */
  readonly log: Frame[] = [];
  private readonly responses: Frame[] = [];
  private waiters: Array<() => void> = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      const frame = ChatClient.parse(text);
      // A BATCH frame carries several pushes, oldest first: the log and the push queue hold each on its own.
      const frames = frame.event === 'BATCH' ? (frame.events as Frame[]) : [frame];
      for (const one of frames) {
        this.log.push(one);
        if (one.event === 'CAUGHT_UP') this.syncs.push(one);
        else (one.event === undefined ? this.responses : this.pushes).push(one);
      }
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static parse(text: string): Frame {
    if (!text.endsWith(FRAME_END)) return { unterminated: text };
    return JSON.parse(text.slice(0, -FRAME_END.length)) as Frame;
  }

  /** `options.localAddress` (e.g. 127.0.0.2) makes the connection come from another loopback address. */
  static async connect(url: string, options?: ClientOptions): Promise<ChatClient> {
    const socket = new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new ChatClient(socket);
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  async until<T>(take: () => T | undefined, what: string, waitMs = WAIT_MS): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.closeCode !== undefined)
        throw new Error(`connection closed (${this.closeCode}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Sends one request and resolves with its response. */
  request(text: string | Buffer, binary = false): Promise<Frame> {
    const run = async () => {
      this.socket.send(text, { binary });
      return this.until(() => this.responses.shift(), `the answer to ${String(text).slice(0, 40)}`);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Resolves with the next push matching `match` (removing it from the queue). */
  nextPush(match: (push: Frame) => boolean = () => true): Promise<Frame> {
    return this.until(() => {
      const index = this.pushes.findIndex(match);
      return index === -1 ? undefined : this.pushes.splice(index, 1)[0];
    }, 'a push');
  }

  /** After AUTH: resolves once every waiting push has arrived (the service says so with CAUGHT_UP). */
  caughtUp(waitMs = WAIT_MS): Promise<Frame> {
    return this.until(() => this.syncs.shift(), 'CAUGHT_UP', waitMs);
  }

  /** Resolves once the socket is closed, with its close code. */
  closed(): Promise<number> {
    return this.until(() => this.closeCode, 'the close');
  }

  /**
   * Sends several requests at once (or `gapMs` apart), without waiting for any answer (API Gateway runs them side
   * by side), and
   * resolves with their answers in arrival order: answers carry no request id, so which is whose is the caller's
   * to work out. Requests sent with `request` meanwhile would take some of these answers: do not mix the two.
   */
  async burst(texts: readonly string[], gapMs = 0): Promise<Frame[]> {
    await this.queue;
    for (const [i, text] of texts.entries()) {
      if (i > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      this.socket.send(text);
    }
    const answers: Frame[] = [];
    await this.until(() => {
      while (answers.length < texts.length && this.responses.length > 0)
        answers.push(this.responses.shift() as Frame);
      return answers.length === texts.length ? answers : undefined;
    }, `${texts.length} answers`);
    return answers;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const done = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.close();
    await done;
  }
}
