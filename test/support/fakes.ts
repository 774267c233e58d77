/**
 * Faked AWS clients for unit tests: a middleware at the front of a client's stack answers (or fails) a call
 * instead of the service. Integration tests use the real engines instead (test/support/runtime.ts).
 */
import type { Middleware } from './runtime.js';

type Client = {
  middlewareStack: { add(middleware: Middleware, options: { step: 'initialize'; name: string }): void };
};

/** Puts `middleware` in front of every call `client` makes. */
export function intercept(client: Client, name: string, middleware: Middleware): void {
  client.middlewareStack.add(middleware, { step: 'initialize', name });
}

export const answered = (output: Record<string, unknown> = {}) => ({
  output: { $metadata: {}, ...output },
  response: {},
});

/** The job queue, faked: what was enqueued (message bodies, parsed) and each retry scheduled. */
export function fakeQueue(sqs: Client) {
  const queue = {
    sent: [] as Record<string, unknown>[],
    retries: [] as { ReceiptHandle: string; VisibilityTimeout: number }[],
  };
  intercept(sqs, 'fake-queue', (_next, context) => async (args) => {
    if (context.commandName === 'SendMessageCommand')
      queue.sent.push(JSON.parse(String(args.input.MessageBody)));
    else if (context.commandName === 'ChangeMessageVisibilityCommand') queue.retries.push(args.input);
    return answered();
  });
  return queue;
}
