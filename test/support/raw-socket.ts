/**
 * A WebSocket client at the level of frames, over a plain TCP socket: it sends frames of any size, fragmented or
 * not, and records every frame the server sends as it came (FIN bit, opcode, payload), which no WebSocket library
 * shows. For the gateway's frame and message limits.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WAIT_MS } from './waits.js';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_CLOSE = 0x8;

export interface RawFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export class RawSocket {
  readonly frames: RawFrame[] = [];
  private buffered = Buffer.alloc(0);
  private ended = false;
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Opens `ws://host:port/` with a hand-written upgrade; rejects with the status line when it is refused. */
  static open(url: string): Promise<RawSocket> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!status.includes(' 101 ')) {
          socket.destroy();
          reject(new Error(status));
          return;
        }
        const raw = new RawSocket(socket);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) socket.emit('data', rest);
        resolve(raw);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.once('connect', () =>
        socket.write(
          `GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
      );
    });
  }

  /** One masked frame, as a client must send it. */
  sendFrame(payload: Buffer | string, { opcode = OP_TEXT, fin = true } = {}): void {
    const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const mask = randomBytes(4);
    const size = data.length < 126 ? 2 : data.length < 65_536 ? 4 : 10;
    const header = Buffer.alloc(size + 4);
    header[0] = (fin ? 0x80 : 0) | opcode;
    if (size === 2) header[1] = 0x80 | data.length;
    else if (size === 4) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(data.length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(data.length), 2);
    }
    mask.copy(header, size);
    const masked = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i++) masked[i] = (data[i] as number) ^ (mask[i % 4] as number);
    this.socket.write(Buffer.concat([header, masked]));
  }

  /** The text messages received so far, fragments joined. */
  messages(): string[] {
    const out: string[] = [];
    let parts: Buffer[] = [];
    for (const frame of this.frames) {
      if (frame.opcode !== OP_TEXT && frame.opcode !== OP_CONTINUATION) continue;
      parts.push(frame.payload);
      if (frame.fin) {
        out.push(Buffer.concat(parts).toString('utf8'));
        parts = [];
      }
    }
    return out;
  }

  /** The close code the server sent, once it has sent one. */
  closeCode(): number | undefined {
    const close = this.frames.find((f) => f.opcode === OP_CLOSE);
    return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
  }

  async until<T>(check: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (this.ended) {
        const last = check();
        if (last !== undefined) return last;
        throw new Error(`the connection ended before ${what}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  /** Waits for the server's close frame; resolves with its code. */
  closed(): Promise<number> {
    return this.until(() => this.closeCode(), 'a close frame');
  }

  end(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      const len7 = (b[1] as number) & 0x7f;
      const offset = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      if (b.length < offset) return;
      const length = len7 === 126 ? b.readUInt16BE(2) : len7 === 127 ? Number(b.readBigUInt64BE(2)) : len7;
      if (b.length < offset + length) return;
      this.frames.push({
        fin: ((b[0] as number) & 0x80) !== 0,
        opcode: (b[0] as number) & 0x0f,
        payload: Buffer.from(b.subarray(offset, offset + length)),
      });
      this.buffered = b.subarray(offset + length);
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
