/**
 * The deployed job queue hides a received job for six times the worker's timeout (infra/jobs.ts: 360 s for 60 s).
 * The local runtime creates its queue with 5 s, so that a failed job comes back soon in tests, while its worker has
 * the stack's 60 s: a job that runs longer than 5 s is handed out again while it still runs. A 10,000-message
 * catch-up with 20 ms per request runs ~15 s and was delivered twice over (16,612 pushes for 10,000 messages).
 * The local runtime offers no setting for it (and its SQS engine no SetQueueAttributes), so the bench gives every
 * ReceiveMessage the stack's visibility timeout, as the deployed queue would; `--visibility=local` measures without.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

export const STACK_VISIBILITY_SECONDS = 360;

let installed = false;

export function useStackVisibility(): void {
  if (installed) return;
  installed = true;
  // The SDK's send is overloaded; this wrapper passes every argument through unchanged.
  const send = SQSClient.prototype.send as (this: SQSClient, ...args: unknown[]) => Promise<unknown>;
  SQSClient.prototype.send = function (this: SQSClient, command: unknown, ...rest: unknown[]) {
    if (command instanceof ReceiveMessageCommand && command.input.VisibilityTimeout === undefined)
      command.input.VisibilityTimeout = STACK_VISIBILITY_SECONDS;
    return send.call(this, command, ...rest);
  } as typeof SQSClient.prototype.send;
}
