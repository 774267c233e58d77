/**
 * Every attempt to post to @connections that the handlers of an in-process runtime make, with the moment it started:
 * a middleware at the SDK's `deserialize` step (below its retries, so each attempt passes once), on every management
 * client (shared/push/client.ts). The moments are this process's `performance.now()`, which is also the runtime's:
 * a test compares them with when it received an answer.
 */
export interface PushAttempt {
  connectionId: string;
  data: string;
  at: number;
}

const attempts: PushAttempt[] = [];
let recording: Promise<void> | undefined;

/** Starts recording (once per process); resolves to the list, which grows as attempts are made. */
export async function recordPushAttempts(): Promise<readonly PushAttempt[]> {
  recording ??= import('../../shared/push/client.js').then(({ onManagementClient }) =>
    onManagementClient((client) =>
      client.middlewareStack.add(
        (next) => async (args) => {
          const input = args.input as { ConnectionId?: string; Data?: Uint8Array };
          attempts.push({
            connectionId: String(input.ConnectionId),
            data: Buffer.from(input.Data ?? []).toString('utf8'),
            at: performance.now(),
          });
          return next(args);
        },
        { step: 'deserialize', name: 'push-attempts', priority: 'high' },
      ),
    ),
  );
  await recording;
  return attempts;
}
