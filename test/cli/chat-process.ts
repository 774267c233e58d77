/** Runs the real terminal client (bin/obrol-chat.js) as a child process, through its stdin and stdout. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

export const BIN = fileURLToPath(new URL('../../bin/obrol-chat.js', import.meta.url));

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
}

export class ChatProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[], options: RunOptions) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? -1)));
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Types one line. */
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Closes stdin (the client then finishes and exits). */
  end(): void {
    this.child.stdin.end();
  }

  /** Waits until stdout or stderr matches. */
  async waitFor(pattern: RegExp | string, timeout = 15_000): Promise<void> {
    await vi.waitFor(
      () => {
        const found = typeof pattern === 'string' ? this.output.includes(pattern) : pattern.test(this.output);
        if (!found) throw new Error(`not yet seen: ${pattern}\n--- output so far ---\n${this.output}`);
      },
      { timeout, interval: 50 },
    );
  }

  kill(): void {
    this.child.kill();
  }
}

/** Runs a client to its end with the given stdin lines (closed afterwards); resolves with its exit code. */
export async function runToEnd(args: string[], lines: string[], options: RunOptions) {
  const chat = new ChatProcess(args, options);
  for (const line of lines) chat.send(line);
  chat.end();
  const code = await chat.exited;
  return { code, stdout: chat.stdout, stderr: chat.stderr };
}
