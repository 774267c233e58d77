/**
 * A local runtime in a process of its own, for the black-box files of one vitest run (test/support/
 * shared-runtime.ts starts it). Its settings are the environment it was started with, read once by the handlers,
 * and none of the runtime's variables (TABLE_NAME, the engines' endpoints, QUEUE_URL…) leak into the test
 * processes. Prints `{"url": …}` on one line when it listens; stops when its stdin closes (the vitest process
 * ended, however it ended) or on SIGTERM.
 */
import { startRuntime } from '../../local/runtime.js';

process.env.OBROL_LOG ??= 'silent';
const runtime = await startRuntime({ port: 0 });
process.stdout.write(`${JSON.stringify({ url: runtime.url })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
