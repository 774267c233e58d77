/**
 * One deployed function in a thread of its own (local/bundles.ts): it imports the function's bundle from cdk.out
 * with the thread's own process.env (the template's variables for this function), then runs each invocation the
 * runtime hands it, as one Lambda execution environment would.
 */

import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { bundle, handlerName, functionName } = workerData;
// NODE_OPTIONS=--enable-source-maps (the template sets it) is read at process start; a thread turns it on here.
if (String(process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps'))
  process.setSourceMapsEnabled(true);

const loaded = import(pathToFileURL(bundle).href).then((module) => {
  const handler = module[handlerName];
  if (typeof handler !== 'function') throw new Error(`${bundle} exports no function ${handlerName}`);
  return handler;
});

/** What Lambda's context gives a handler: the time it has left, its name and the request id. */
function contextFor(id, remainingMs) {
  const deadline = Date.now() + remainingMs;
  return {
    functionName,
    awsRequestId: id,
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function serializable(error) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

parentPort.on('message', async ({ id, event, remainingMs }) => {
  try {
    const handler = await loaded;
    const result = await handler(event, contextFor(id, remainingMs));
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: serializable(error) });
  }
});

loaded.then(
  () => parentPort.postMessage({ ready: true }),
  (error) => parentPort.postMessage({ ready: false, error: serializable(error) }),
);
