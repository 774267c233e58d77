/**
 * vitest globalSetup of the integration project: one local runtime for all the black-box files of a run instead of
 * one per file (each took about 3 s to start, and a whole runtime per worker competed with the tests for the
 * cores). The files already run unchanged against one deployed stage: names are unique (`uniqueName`) and tests
 * that need fresh per-address budgets connect from addresses of their own. useEndpoint() reads the URL with
 * `inject('obrolRuntimeUrl')`.
 *
 * Nothing is started when WS_URL is set (a deployed stage, LocalStack, `npm run test:bundles`): the files talk to
 * it. The runtime runs in a child process with this process's environment and the project's `env`, so it uses the same engines the files
 * would have used (an emulator leg's AWS_ENDPOINT_URL, for instance), and its own variables stay out of the test
 * processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared local runtime's WebSocket URL; absent when WS_URL names the endpoint. */
    obrolRuntimeUrl?: string;
  }
}

const server = fileURLToPath(new URL('./runtime-server.ts', import.meta.url));

export default async function setup(project: TestProject) {
  if (process.env.WS_URL) return;
  const child = spawn(process.execPath, ['--import', 'tsx', server], {
    // The project's `env` (vitest.config.ts: PASSWORD_HASH_N) is set in the test processes, not in this one.
    env: { ...process.env, ...project.config.env, OBROL_LOG: process.env.OBROL_LOG ?? 'silent' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await listening(child);
  project.provide('obrolRuntimeUrl', url);
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end();
    await exited;
  };
}

function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => {
      try {
        resolve(String(JSON.parse(line).url));
      } catch {
        reject(new Error(`the shared runtime printed ${line}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`the shared runtime exited (${code}) before it listened`)));
  });
}
