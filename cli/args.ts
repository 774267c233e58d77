/** The command line: `obrol-chat [--script FILE] [--wait SECONDS] [--downloads DIR] [ws-url]`. */
import { parseArgs } from 'node:util';

export const DEFAULT_URL = 'ws://127.0.0.1:3001';

export interface Options {
  url: string;
  script: string | undefined;
  waitSeconds: number;
  downloads: string;
  help: boolean;
}

export const USAGE = `usage: obrol-chat [--script FILE] [--wait SECONDS] [--downloads DIR] [ws-url]
  ws-url            the service (default: $OBROL_URL, else ${DEFAULT_URL}, the local runtime)
  --script FILE     run the lines of FILE in order, each after the previous answer, then exit
                    (status 1 if any command failed)
  --wait SECONDS    after the last line (of --script, or of stdin when it is not a terminal),
                    keep listening for pushes and saving files this long before exiting
  --downloads DIR   where received files are saved (default ./obrol-downloads)
  -h, --help        this text; type /help in the client for its commands`;

/** Parses argv (without node and the script); throws an Error with a message for the user on bad input. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      script: { type: 'string' },
      wait: { type: 'string' },
      downloads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 1) throw new Error(`one ws-url at most, got: ${positionals.join(' ')}`);
  const url = positionals[0] ?? env.OBROL_URL ?? DEFAULT_URL;
  if (!/^wss?:\/\//.test(url)) throw new Error(`not a ws:// or wss:// URL: ${url}`);
  const waitSeconds = values.wait === undefined ? 0 : Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0)
    throw new Error(`--wait needs a number of seconds, got: ${values.wait}`);
  return {
    url,
    script: values.script,
    waitSeconds,
    downloads: values.downloads ?? 'obrol-downloads',
    help: values.help ?? false,
  };
}
