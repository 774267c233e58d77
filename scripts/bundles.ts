/**
 * `npm run test:bundles` (after `cdk synth`): the deploy rehearsal. Starts the local runtime with every function
 * loaded from its cdk.out bundle and its template environment (local/bundles.ts), runs the black-box suite
 * (test/integration) against it over WS_URL, then checks every AWS call each function made, and each service's
 * invocation of a function, against the synthesized IAM (test/support/iam-check.ts). Exits non-zero when a test
 * failed or a call would be denied on AWS; the calls and the verdicts are written to test-results/bundles/.
 * Usage: npm run test:bundles [-- vitest arguments, e.g. test/integration/files.test.ts]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsCall } from '../local/call-recorder.js';
import { startRuntime } from '../local/runtime.js';
import { checkCalls, describeDenials } from '../test/support/iam-check.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cdkOut = process.env.CDK_OUT ?? join(root, 'cdk.out');
const outDir = join(root, 'test-results', 'bundles');
mkdirSync(outDir, { recursive: true });

process.env.OBROL_LOG ??= 'silent';
const calls: AwsCall[] = [];
const runtime = await startRuntime({ port: 0, bundles: { cdkOut, onCall: (call) => calls.push(call) } });
console.log(`deploy rehearsal: bundles from ${cdkOut}, gateway on ${runtime.url}`);

const args = process.argv.slice(2);
const targets = args.some((a) => !a.startsWith('-')) ? [] : ['test/integration'];
const vitest = spawn('npx', ['vitest', 'run', ...targets, '--maxWorkers=1', ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, WS_URL: runtime.url },
});
const testsExit: number = await new Promise((resolve) => vitest.on('exit', (code) => resolve(code ?? 1)));

await runtime.uploadsSettled();
await runtime.jobsSettled();
await runtime.stop();

const deployment = runtime.deployment();
if (!deployment) throw new Error('the runtime did not load the bundles');
const report = await checkCalls(deployment, calls);
writeFileSync(join(outDir, 'calls.json'), `${JSON.stringify(calls, null, 1)}\n`);
writeFileSync(join(outDir, 'denials.json'), `${JSON.stringify(report.denials, null, 1)}\n`);

const byFunction = new Map<string, Set<string>>();
for (const call of calls) {
  const actions = byFunction.get(call.function) ?? new Set<string>();
  actions.add(call.action);
  byFunction.set(call.function, actions);
}
console.log(`\n== IAM: ${calls.length} calls recorded, ${report.evaluated} distinct evaluated`);
for (const [fn, actions] of [...byFunction].sort()) console.log(`  ${fn}: ${[...actions].sort().join(', ')}`);
for (const fn of Object.keys(deployment.functions))
  if (!byFunction.has(fn)) console.log(`  ${fn}: no calls recorded (was it ever invoked?)`);
if (report.denials.length > 0) {
  console.error(`\nIAM would deny ${report.denials.length} call(s):\n${describeDenials(report.denials)}`);
} else {
  console.log('IAM: every recorded call is allowed by the synthesized policies');
}
process.exit(testsExit !== 0 || report.denials.length > 0 ? 1 : 0);
