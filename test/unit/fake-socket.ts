/**
 * A WebSocket stand-in for the protocol client's unit tests: the test plays the server. The client tags every
 * request (`#7 PING`); `sent` shows the requests without their tags, `frames` exactly as sent, and `answer` answers
 * the oldest unanswered request with its tag (`answerTo` a given one, out of order).
 */
import type { SocketLike } from '../../client/index.js';

export class FakeSocket implements SocketLike {
  static made: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Every frame as the client sent it, tag included. */
  readonly frames: string[] = [];
  /** The tags of the requests not answered yet, oldest first. */
  readonly unanswered: string[] = [];

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }

  static latest(): FakeSocket {
    const socket = FakeSocket.made.at(-1);
    if (!socket) throw new Error('no socket made yet');
    return socket;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.frames.push(data);
    const tag = /^#([A-Za-z0-9_-]{1,32}) /.exec(data)?.[1];
    if (tag === undefined) throw new Error(`an untagged request: ${data}`);
    this.unanswered.push(tag);
  }

  /** The requests sent, without their tags. */
  get sent(): string[] {
    return this.frames.map((frame) => frame.replace(/^#[A-Za-z0-9_-]{1,32} /, ''));
  }

  /** The tag the request `line` (sent, unanswered, the oldest such) went out with. */
  tagOf(line: string): string {
    const tag = this.unanswered.find((t) => this.frames.includes(`#${t} ${line}`));
    if (tag === undefined) throw new Error(`no unanswered request ${line}`);
    return tag;
  }

  close(): void {
    this.drop();
  }

  /** The server accepts the connection. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server sends one WebSocket message (a string, or bytes). */
  deliver(data: string | Uint8Array): void {
    const payload =
      typeof data === 'string' ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    this.onmessage?.({ data: payload });
  }

  /** The server answers the oldest unanswered request, with its tag. */
  answer(status: 'OK' | 'ERROR', data: unknown, extra: Record<string, unknown> = {}): void {
    const tag = this.unanswered[0];
    if (tag === undefined) throw new Error('no request to answer');
    this.answerTag(tag, status, data, extra);
  }

  /** The server answers the unanswered request `line` (out of order, as API Gateway may). */
  answerTo(line: string, status: 'OK' | 'ERROR', data: unknown, extra: Record<string, unknown> = {}): void {
    this.answerTag(this.tagOf(line), status, data, extra);
  }

  answerTag(tag: string, status: 'OK' | 'ERROR', data: unknown, extra: Record<string, unknown> = {}): void {
    this.unanswered.splice(this.unanswered.indexOf(tag), 1);
    this.deliver(`${JSON.stringify({ status, data, ...extra, tag })}\r\n\r\n`);
  }

  /** The connection goes away (server drop, network). */
  drop(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({});
  }
}

export function fakeSockets() {
  FakeSocket.made = [];
  return (url: string) => new FakeSocket(url);
}
