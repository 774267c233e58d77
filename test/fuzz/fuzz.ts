/**
 * The fuzz loop: several WebSocket connections to a running obrol (some logged in, some not), each sending one
 * frame at a time and judging every frame that comes back (./oracle.ts). One frame in flight per connection, so a
 * bad answer is pinned to the frame that caused it. Stops at `frames` sent or after `seconds`, whichever is first.
 */
import WebSocket from 'ws';
import { type DocSeeds, type Frame, nextFrame, type World } from './frames.js';
import { judgeFrame } from './oracle.js';
import { Random } from './random.js';

export interface FuzzOptions {
  url: string;
  world: World;
  docSeeds: DocSeeds;
  frames: number;
  seconds: number;
  seed: number;
  /** Connections in all; the first `loggedIn` log in as the world's users in turn. */
  connections: number;
  loggedIn: number;
  /** Called every 10,000 frames. */
  progress?: (sent: number) => void;
}

export interface Finding {
  connection: number;
  input: string;
  binary: boolean;
  answer: string;
  problem: string;
}

export interface FuzzResult {
  sent: number;
  answers: number;
  pushes: number;
  oversizeCloses: number;
  reconnects: number;
  elapsedMs: number;
  findings: Finding[];
}

/** Generous: on a loaded machine a frame that queues behind password hashes can take many seconds. */
const ANSWER_WAIT_MS = 60_000;
const MAX_FINDINGS = 50;

/** The frame as a reproducible literal: JSON-escaped text, or base64 when it is not valid UTF-8. */
export function describeInput(frame: Frame): string {
  const text = frame.data.toString('utf8');
  const exact = Buffer.from(text, 'utf8').equals(frame.data);
  const shown = exact
    ? JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…(${text.length} chars)` : text)
    : `base64:${frame.data.toString('base64').slice(0, 400)}`;
  return `${frame.binary ? 'binary ' : ''}${shown}`;
}

interface Conn {
  socket: WebSocket;
  /** Resolves with the next answer's text, or with a close code. */
  waiter?: (outcome: { answer: string } | { closed: number }) => void;
  closeCode?: number;
}

function open(url: string, onFrame: (conn: Conn, text: string) => void): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { maxPayload: 0 });
    const conn: Conn = { socket };
    socket.on('message', (data, isBinary) => onFrame(conn, isBinary ? `<binary frame>` : data.toString()));
    socket.on('close', (code) => {
      conn.closeCode = code;
      conn.waiter?.({ closed: code });
    });
    socket.on('error', () => undefined);
    socket.once('open', () => resolve(conn));
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const result: FuzzResult = {
    sent: 0,
    answers: 0,
    pushes: 0,
    oversizeCloses: 0,
    reconnects: 0,
    elapsedMs: 0,
    findings: [],
  };
  const finding = (f: Finding) => {
    if (result.findings.length < MAX_FINDINGS) result.findings.push(f);
  };
  const onFrame = (index: number) => (conn: Conn, text: string) => {
    const verdict = judgeFrame(text);
    if (verdict.kind === 'push') {
      result.pushes++;
      if (verdict.problem)
        finding({
          connection: index,
          input: '(push)',
          binary: false,
          answer: text.slice(0, 500),
          problem: verdict.problem,
        });
      return;
    }
    const waiter = conn.waiter;
    conn.waiter = undefined;
    if (waiter) waiter({ answer: text });
    else
      finding({
        connection: index,
        input: '(none in flight)',
        binary: false,
        answer: text.slice(0, 500),
        problem: verdict.problem ?? 'unrequested answer',
      });
  };

  const login = async (conn: Conn, user: string) => {
    const answer = await exchange(conn, {
      data: Buffer.from(`AUTH ${user} ${options.world.password}`),
      binary: false,
      oversize: false,
    });
    if (!('answer' in answer) || !answer.answer.includes('"OK"'))
      throw new Error(`fuzz login failed: ${JSON.stringify(answer)}`);
  };

  const exchange = (conn: Conn, frame: Frame) =>
    new Promise<{ answer: string } | { closed: number } | { timeout: true }>((resolve) => {
      if (conn.closeCode !== undefined) return resolve({ closed: conn.closeCode });
      const timer = setTimeout(() => {
        conn.waiter = undefined;
        resolve({ timeout: true });
      }, ANSWER_WAIT_MS);
      conn.waiter = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      conn.socket.send(frame.data, { binary: frame.binary });
    });

  const worker = async (index: number) => {
    const random = new Random(options.seed * 1000 + index);
    const user =
      index < options.loggedIn ? options.world.users[index % options.world.users.length] : undefined;
    const connect = async () => {
      const conn = await open(options.url, onFrame(index));
      if (user) await login(conn, user);
      return conn;
    };
    let conn = await connect();
    while (result.sent < options.frames && Date.now() < deadline && result.findings.length < MAX_FINDINGS) {
      const frame = nextFrame(random, options.world, options.docSeeds);
      result.sent++;
      if (options.progress && result.sent % 10_000 === 0) options.progress(result.sent);
      const outcome = await exchange(conn, frame);
      const input = describeInput(frame);
      if ('answer' in outcome) {
        result.answers++;
        // Binary frames with bytes that are not UTF-8 reach the service as U+FFFD, as this decoding reads them.
        const problem = judgeFrame(outcome.answer, frame.data.toString('utf8')).problem;
        if (problem)
          finding({
            connection: index,
            input,
            binary: frame.binary,
            answer: outcome.answer.slice(0, 500),
            problem,
          });
        // A fuzzed LOGOUT or AUTH may have changed who this connection is; log it back in as its user.
        if (
          user &&
          /"status":"OK"/.test(outcome.answer) &&
          /^\s*(logout|auth)/i.test(frame.data.toString('utf8'))
        ) {
          await login(conn, user);
        }
        continue;
      }
      if ('closed' in outcome && frame.oversize && outcome.closed === 1009) result.oversizeCloses++;
      else
        finding({
          connection: index,
          input,
          binary: frame.binary,
          answer:
            'closed' in outcome
              ? `connection closed (${outcome.closed})`
              : `no answer in ${ANSWER_WAIT_MS} ms`,
          problem: 'closed' in outcome ? 'dropped connection' : 'no answer',
        });
      conn.socket.terminate();
      result.reconnects++;
      conn = await connect();
    }
    conn.socket.close();
  };

  await Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i)));
  result.elapsedMs = Date.now() - started;
  return result;
}
