/**
 * Structured JSON logs, one line each. Errors are logged by name and message only: no stack traces,
 * and callers never pass passwords or message bodies.
 *
 * Levels: `LOG_LEVEL` = debug | info | warn | error | silent. On Lambda the default is what the function's
 * log level says (AWS_LAMBDA_LOG_LEVEL, set by `applicationLogLevel` in infra/function.ts), and with Lambda's
 * JSON log format each line goes through `console` as an object, so Lambda adds `timestamp`, `level` and
 * `requestId` and keeps our fields under `message`. Locally the default is `warn`: `npm start` and the tests
 * show problems, not traffic. `OBROL_LOG=silent` (used by the tests) still silences everything.
 */
type Fields = Record<string, unknown>;

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type Level = (typeof LEVELS)[number];

function levelFrom(raw: string | undefined): Level | undefined {
  const value = raw?.toLowerCase();
  return LEVELS.find((level) => level === value);
}

/** The threshold, read on every call so a test or `npm start` can change it without reloading modules. */
export function threshold(env: NodeJS.ProcessEnv = process.env): Level {
  if (env.OBROL_LOG === 'silent') return 'silent';
  const onLambda = env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  return levelFrom(env.LOG_LEVEL) ?? levelFrom(env.AWS_LAMBDA_LOG_LEVEL) ?? (onLambda ? 'info' : 'warn');
}

export function logEnabled(level: Exclude<Level, 'silent'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(threshold(env));
}

function clean(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return out;
}

type WriteLevel = Exclude<Level, 'silent'>;
const CONSOLE: Record<WriteLevel, (line: unknown) => void> = {
  debug: (line) => console.debug(line),
  info: (line) => console.info(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

function write(level: WriteLevel, message: string, fields: Fields = {}) {
  if (!logEnabled(level)) return;
  if (process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON') {
    // Lambda's JSON envelope carries time, level and request id; the object keeps our fields searchable.
    CONSOLE[level]({ message, ...clean(fields) });
    return;
  }
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...clean(fields) });
  (level === 'info' || level === 'debug' ? console.log : console.error)(line);
}

export const log = {
  debug: (message: string, fields?: Fields) => write('debug', message, fields),
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};
