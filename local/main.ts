/**
 * `npm start`: the local runtime on ws://127.0.0.1:3001 (PORT changes it; DATA_DIR keeps data on disk;
 * LOG_LEVEL=info or debug shows the handlers' info lines and metric lines, see shared/log.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePage } from '../web/build.js';
import { startRuntime } from './runtime.js';

const port = Number(process.env.PORT ?? 3001);
// Built by the prestart script (npm run build:web); built here when started another way.
const webDir = fileURLToPath(new URL('../web/dist', import.meta.url));
if (!existsSync(join(webDir, 'index.html'))) writePage(webDir);
const runtime = await startRuntime({
  port,
  webDir,
  ...(process.env.DATA_DIR ? { dataDir: process.env.DATA_DIR } : {}),
}).catch((error: unknown) => {
  if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
  // The embedded engines are already up on their own ports: exit rather than wait on them.
  console.error(`obrol cannot listen on 127.0.0.1:${port}: the port is already in use (another npm start?).`);
  console.error(`Stop that program, or pick another port:  PORT=${port + 1} npm start`);
  process.exit(1);
});

// No request may end the local server (issue 23: an engine's unhandled stream error once did). The engines answer
// a failed request 500 themselves (local/s3-store.ts); should anything else slip through, it is logged, and the
// server goes on serving everyone else.
// (Installed once started: a failure to start still ends the process, with its error.)
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    console.error(`obrol: an error no request handled (${event}); still serving:`, error);
  });
}

console.log(`obrol is listening on ${runtime.url}`);
console.log(`open ${runtime.webUrl}`);
console.log(`connect with:  npx wscat -c ${runtime.url}`);
console.log(`files (S3) at: ${runtime.s3Endpoint}`);
console.log('stop with Ctrl-C');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    await runtime.stop();
    process.exit(0);
  });
}
