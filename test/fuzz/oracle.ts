/**
 * What every frame the service sends must look like (docs/PROTOCOL.md, Answers and pushes): one JSON object and
 * `\r\n\r\n`; an answer has `status` OK/ERROR and `data` (and `reason` on ERROR, never `internal_error`); a push has
 * `event` and `id` (a BATCH holds pushes) and never a `tag`. Given the request it answers, an answer carries the
 * request's tag (Request tags) exactly when the request began with a valid one. Returns what is wrong, or undefined.
 */
const TERMINATOR = '\r\n\r\n';

export type FrameKind = 'answer' | 'push';

export interface Verdict {
  kind?: FrameKind;
  problem?: string;
}

/** The tag a request carries, read from the doc's rule (not from the server's code): `#`, 1–32 of A-Za-z0-9_-, spaces. */
export function requestTag(request: string): string | undefined {
  return /^#([A-Za-z0-9_-]{1,32})(?: +|$)/.exec(request.trim())?.[1];
}

function checkPush(frame: Record<string, unknown>): string | undefined {
  if (typeof frame.event !== 'string' || typeof frame.id !== 'string') return 'push without event or id';
  if ('status' in frame) return 'push with a status';
  if ('tag' in frame) return 'push with a tag';
  if (frame.event === 'BATCH') {
    if (!Array.isArray(frame.events) || frame.events.length === 0) return 'BATCH without events';
    for (const inner of frame.events) {
      if (typeof inner !== 'object' || inner === null) return 'BATCH holding a non-object';
      const problem = checkPush(inner as Record<string, unknown>);
      if (problem) return `in BATCH: ${problem}`;
    }
  }
  return undefined;
}

function checkAnswer(frame: Record<string, unknown>, request: string | undefined): string | undefined {
  if (frame.status !== 'OK' && frame.status !== 'ERROR') return 'answer without status OK or ERROR';
  if (request !== undefined) {
    const tag = requestTag(request);
    if (tag === undefined && 'tag' in frame) return 'tag on the answer to an untagged request';
    if (tag !== undefined && frame.tag !== tag) return `answer without the request's tag ${tag}`;
  }
  if (!('data' in frame)) return 'answer without data';
  if (frame.status === 'ERROR') {
    if (typeof frame.reason !== 'string' || frame.reason === '') return 'ERROR without reason';
    if (frame.reason === 'internal_error') return 'internal_error';
  }
  return undefined;
}

/** `request`: the request this frame answers (its text), when known; then its tag is checked too. */
export function judgeFrame(text: string, request?: string): Verdict {
  if (text.includes('Internal server error')) return { problem: "API Gateway's Internal server error" };
  if (!text.endsWith(TERMINATOR)) return { problem: 'frame does not end in \\r\\n\\r\\n' };
  const json = text.slice(0, -TERMINATOR.length);
  if (/[\r\n]/.test(json)) return { problem: 'raw CR or LF inside the JSON' };
  let frame: unknown;
  try {
    frame = JSON.parse(json);
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
    return { problem: 'not a JSON object' };
  const record = frame as Record<string, unknown>;
  if ('event' in record) {
    const problem = checkPush(record);
    return problem ? { kind: 'push', problem } : { kind: 'push' };
  }
  const problem = checkAnswer(record, request);
  return problem ? { kind: 'answer', problem } : { kind: 'answer' };
}
