/**
 * Offline checks of docker-compose.localstack.yml, for machines without Docker (CI here): it parses, pins the
 * LocalStack image to a version, publishes ports on loopback only, takes the auth token from the environment
 * (never a literal), and enables every service obrol needs. `tsx scripts/emulators/check-compose.ts` exits 1
 * on a problem; test:localstack runs the same checks before it starts anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ROOT } from './lib.js';

export const COMPOSE_FILE = join(ROOT, 'docker-compose.localstack.yml');
export const REQUIRED_SERVICES = [
  'dynamodb',
  's3',
  'sqs',
  'apigateway',
  'apigatewayv2',
  'lambda',
  'iam',
  'logs',
  'cloudformation',
  'sts',
  'ssm',
];

type Yaml = Record<string, unknown>;
const isMap = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compose's environment may be a map or a list of KEY=VALUE strings. */
function environmentOf(service: Yaml): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const [key, ...rest] = String(entry).split('=');
        return [key ?? '', rest.join('=')];
      }),
    );
  }
  if (isMap(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
  return {};
}

export function checkCompose(file = COMPOSE_FILE): string[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return [`${file} does not parse: ${(error as Error).message}`];
  }
  const services = isMap(doc) ? doc.services : undefined;
  const localstack = isMap(services) ? services.localstack : undefined;
  if (!isMap(localstack)) return [`${file} has no services.localstack`];

  const image = String(localstack.image ?? '');
  // localstack/localstack:<tag> or ${VAR:-<tag>}: the tag that applies by default must be a version.
  const tag = /^localstack\/localstack(?:-pro)?:(?:\$\{[A-Z_]+:-([^}]+)\}|(.+))$/.exec(image);
  const version = tag?.[1] ?? tag?.[2];
  if (!version || !/^\d+(\.\d+)+$/.test(version)) {
    problems.push(`image must be localstack/localstack pinned to a version tag, got "${image}"`);
  }

  const ports = Array.isArray(localstack.ports) ? localstack.ports.map(String) : [];
  if (!ports.some((p) => p === '127.0.0.1:4566:4566'))
    problems.push('port 4566 must be published as 127.0.0.1:4566:4566');
  for (const port of ports) {
    if (!port.startsWith('127.0.0.1:')) problems.push(`port "${port}" is not bound to 127.0.0.1`);
  }

  const env = environmentOf(localstack);
  const token = env.LOCALSTACK_AUTH_TOKEN;
  if (!token || !/^\$\{LOCALSTACK_AUTH_TOKEN(?::?[-?][^}]*)?\}$/.test(token)) {
    problems.push(
      'LOCALSTACK_AUTH_TOKEN must be a compose variable reference to LOCALSTACK_AUTH_TOKEN, never a literal',
    );
  }
  const enabled = (env.SERVICES ?? '').split(',').map((s) => s.trim());
  const missing = REQUIRED_SERVICES.filter((s) => !enabled.includes(s));
  if (missing.length) problems.push(`SERVICES lacks ${missing.join(', ')}`);
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = checkCompose();
  if (problems.length) {
    for (const problem of problems) process.stdout.write(`compose check: ${problem}\n`);
    process.exit(1);
  }
  process.stdout.write(`compose check: ${COMPOSE_FILE} is valid (parsed offline, no Docker needed)\n`);
}
