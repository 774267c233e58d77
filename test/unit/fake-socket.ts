/** A WebSocket stand-in for the protocol client's unit tests: the test plays the server. */
import type { SocketLike } from '../../client/index.js';

export class FakeSocket implements SocketLike {
  static made: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];

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
    this.sent.push(data);
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

  /** The server answers with one frame. */
  answer(status: 'OK' | 'ERROR', data: unknown, extra: Record<string, unknown> = {}): void {
    this.deliver(`${JSON.stringify({ status, data, ...extra })}\r\n\r\n`);
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
