/**
 * obrol-chat: the terminal client (issue 11). `npm run chat -- [ws-url]` or `npx obrol-chat [ws-url]`.
 * Line mode on a terminal (prompt, hidden passwords); with `--script FILE` or stdin not a terminal it runs the
 * lines in order, each after the previous answer. Exit status: 0 all commands succeeded (always 0 interactively),
 * 1 a command failed, 2 bad arguments or an unreadable script, 3 the service could not be reached at all.
 * docs/CLIENTS.md describes it; client/ is the protocol client it shares with the web page.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ObrolClient } from '../client/index.js';
import { type Options, parseOptions, USAGE } from './args.js';
import { complete, isScriptComment, parseCommand } from './commands.js';
import { failureLine } from './format.js';
import { ChatSession } from './session.js';
import { Terminal } from './terminal.js';

/** Connection attempts before giving up when the service was never reached. */
const FIRST_CONNECT_ATTEMPTS = 3;

function options(): Options {
  try {
    return parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

async function scriptLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split(/\r?\n/);
  } catch (error) {
    process.stderr.write(`cannot read the script ${path}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

function watchConnection(client: ObrolClient, term: Terminal, url: string): void {
  let everOnline = false;
  let dropped = false;
  client.on('state', ({ state, attempt = 0, delayMs = 0 }) => {
    if (state === 'online') {
      if (dropped) term.notice(`* reconnected${client.user ? `, logged in again as ${client.user}` : ''}`);
      everOnline = true;
      dropped = false;
    } else if (state === 'offline') {
      if (!everOnline && attempt + 1 >= FIRST_CONNECT_ATTEMPTS) {
        term.notice(term.errStyle.error(`✗ cannot connect to ${url} (is the service running? npm start)`));
        process.exit(3);
      }
      if (everOnline && !dropped)
        term.notice(`* connection lost; reconnecting in ${(delayMs / 1000).toFixed(1)} s`);
      dropped = everOnline;
    }
  });
  client.on('reauthFailed', (answer) => {
    term.notice(`* could not log in again after reconnecting: ${failureLine(answer, term.errStyle)}`);
  });
}

async function main(): Promise<void> {
  // `npm run chat` runs in the project's folder; files to send and ./obrol-downloads belong where it was typed.
  if (process.env.npm_lifecycle_event === 'chat' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const opts = options();
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (typeof globalThis.WebSocket !== 'function') {
    process.stderr.write('obrol-chat needs Node 22 or newer (a global WebSocket)\n');
    process.exit(2);
  }
  const interactive = !opts.script && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const term = new Terminal(interactive);
  const client = new ObrolClient(opts.url).open();
  watchConnection(client, term, opts.url);
  const session = new ChatSession(client, term, {
    downloads: opts.downloads,
    envPassword: process.env.OBROL_PASSWORD,
  });

  term.completer = (line) => complete(line, session.names, session.groupNames);
  term.onTyping = (line) => session.typing(line);

  const lines: AsyncIterable<string> | Iterable<string> = opts.script
    ? await scriptLines(opts.script)
    : (term.readline ?? createInterface({ input: process.stdin, terminal: false }));

  if (interactive) {
    term.print(`obrol-chat on ${opts.url}; /help lists the commands, /quit leaves`);
    term.prompt();
  }
  let failures = 0;
  let quit = false;
  for await (const line of lines) {
    const command = opts.script && isScriptComment(line) ? undefined : parseCommand(line);
    if (command) {
      const outcome = await session.run(command);
      if (outcome === 'failed') failures++;
      if (outcome === 'quit') {
        quit = true;
        break;
      }
    }
    term.prompt();
  }
  if (!quit && !interactive && opts.waitSeconds > 0) {
    await new Promise((resolve) => setTimeout(resolve, opts.waitSeconds * 1000));
  }
  await session.settled();
  client.close();
  term.close();
  process.exit(!interactive && failures > 0 ? 1 : 0);
}

await main();
