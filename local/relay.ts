/**
 * Passing a request on to an engine behind a front door (the signed engine fronts, the S3 front door, the deploy
 * rehearsal's call recorder): the engine's answer goes back as it came; an engine that cannot be reached is a 502.
 */
import { type IncomingMessage, type RequestOptions, request, type ServerResponse } from 'node:http';

/**
 * Sends `req` (with `body` when the door already read it, else streamed on) to `target`, and the answer back on
 * `res`; `onEnd` hears the status once the answer has been passed on whole.
 */
export function relay(
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestOptions,
  body: Buffer | undefined,
  onEnd?: (status: number) => void,
): void {
  const out = request({ method: req.method, ...target }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
    if (onEnd) answer.on('end', () => onEnd(answer.statusCode ?? 502));
  });
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  if (body) out.end(body);
  else req.pipe(out);
}
