/**
 * Structured JSON logs, one line each. Errors are logged by name and message only: no stack traces,
 * and callers never pass passwords or message bodies.
 */
type Fields = Record<string, unknown>;

function clean(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return out;
}

function write(level: 'info' | 'warn' | 'error', message: string, fields: Fields = {}) {
  if (process.env.OBROL_LOG === 'silent') return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...clean(fields) });
  (level === 'info' ? console.log : console.error)(line);
}

export const log = {
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};
