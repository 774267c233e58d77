/**
 * `npm run fuzz`: starts a local runtime on free ports and sends it random and mutated frames (test/fuzz/) over
 * several WebSocket connections, some logged in, until `--frames` are sent or `--seconds` pass. Fails (exit 1) on
 * any answer that is not a protocol frame, API Gateway's `Internal server error`, an `internal_error` reason, a
 * dropped connection, or a handler crash (error log, unhandled rejection). Same `--seed`, same frames.
 *
 *   npm run fuzz -- --frames 1000000 --seconds 1800 --seed 1 --connections 12 --logged-in 6
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDocSeeds } from '../test/fuzz/frames.js';
import { runFuzz } from '../test/fuzz/fuzz.js';
import { buildWorld, watchForCrashes } from '../test/fuzz/world.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '1800' },
    seed: { type: 'string', default: '1' },
    connections: { type: 'string', default: '12' },
    'logged-in': { type: 'string', default: '6' },
  },
});

async function main(): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  process.env.OBROL_LOG = 'silent';
  const { startRuntime } = await import('../local/runtime.js');
  const runtime = await startRuntime({ port: 0 });
  const world = await buildWorld(runtime.url);
  const seeds = readDocSeeds(join(import.meta.dirname, '..', 'docs', 'PROTOCOL.md'));
  out(
    `fuzzing ${runtime.url}: ${seeds.cheap.length + seeds.costly.length} seeds from docs/PROTOCOL.md, seed ${values.seed}`,
  );
  const watch = watchForCrashes();
  const result = await runFuzz({
    url: runtime.url,
    world,
    docSeeds: seeds,
    frames: Number(values.frames),
    seconds: Number(values.seconds),
    seed: Number(values.seed),
    connections: Number(values.connections),
    loggedIn: Number(values['logged-in']),
    progress: (sent) => {
      if (sent % 100_000 === 0) out(`  ${sent} frames`);
    },
  });
  await runtime.uploadsSettled();
  watch.stop();
  await runtime.stop();
  const rate = Math.round(result.sent / (result.elapsedMs / 1000));
  out(
    `${result.sent} frames in ${(result.elapsedMs / 1000).toFixed(1)} s (${rate}/s): ${result.answers} answers, ` +
      `${result.pushes} pushes, ${result.oversizeCloses} oversize closes (1009), ${result.reconnects} reconnects`,
  );
  for (const f of result.findings)
    out(`FINDING [${f.problem}] on connection ${f.connection}: ${f.input} -> ${f.answer}`);
  for (const p of watch.problems.slice(0, 50)) out(`CRASH ${p}`);
  const failed = result.findings.length > 0 || watch.problems.length > 0;
  out(failed ? 'fuzz FAILED' : 'fuzz passed: every answer was a protocol frame');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`fuzz could not run: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
