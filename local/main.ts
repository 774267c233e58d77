/** `npm start`: the local runtime on ws://127.0.0.1:3001 (PORT changes it; DATA_DIR keeps data on disk). */
import { fileURLToPath } from 'node:url';
import { startRuntime } from './runtime.js';

const runtime = await startRuntime({
  port: Number(process.env.PORT ?? 3001),
  // Built by the prestart script (npm run build:web).
  webDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
  ...(process.env.DATA_DIR ? { dataDir: process.env.DATA_DIR } : {}),
});

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
