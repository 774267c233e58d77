/**
 * `npm run test:dynamodb-local`: the integration suite against AWS's DynamoDB Local (the engine LocalStack
 * uses for DynamoDB), with S3 left on the runtime's embedded engine.
 *
 * The jar comes from the npm tarball of amplify-dynamodb-simulator at a pinned version (its emulator/ folder
 * holds DynamoDBLocal.jar and DynamoDBLocal_lib): only the tarball is fetched, with `npm pack`, never its
 * dependency tree, and it is checked against the pinned sha512 and cached in .cache/dynamodb-local, so
 * reruns fetch nothing. DYNAMODB_LOCAL_DIR may name a folder that already holds DynamoDBLocal.jar instead.
 *
 * No java on PATH: the leg is skipped with a plain message, or fails under CI (see lib.ts cannotRun).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CACHE,
  cannotRun,
  dynamoAnswers,
  probeCommand,
  runLeg,
  say,
  startEngine,
  startOnFreePort,
  suiteOn,
} from './lib.js';

const LEG = 'dynamodb-local';
/** `npm view amplify-dynamodb-simulator version` when this was pinned; it ships DynamoDB Local 1.25.1. */
const SIMULATOR_VERSION = '2.9.30';
const SIMULATOR_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';
const CACHE_DIR = join(CACHE, 'dynamodb-local');
const JAVA = process.env.JAVA ?? 'java';

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib, fetched and unpacked once. */
function ensureDynamoDbLocal(): string {
  const override = process.env.DYNAMODB_LOCAL_DIR;
  if (override) {
    if (!existsSync(join(override, 'DynamoDBLocal.jar'))) {
      throw new Error(`DYNAMODB_LOCAL_DIR=${override} holds no DynamoDBLocal.jar`);
    }
    return override;
  }
  const emulatorDir = join(CACHE_DIR, `amplify-dynamodb-simulator-${SIMULATOR_VERSION}`, 'emulator');
  const marker = join(emulatorDir, '.unpacked');
  if (existsSync(marker) && existsSync(join(emulatorDir, 'DynamoDBLocal.jar'))) {
    say(LEG, `using cached DynamoDB Local from ${emulatorDir}`);
    return emulatorDir;
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const tarball = join(CACHE_DIR, `amplify-dynamodb-simulator-${SIMULATOR_VERSION}.tgz`);
  if (!existsSync(tarball) || integrityOf(tarball) !== SIMULATOR_INTEGRITY) {
    rmSync(tarball, { force: true });
    say(LEG, `fetching the amplify-dynamodb-simulator@${SIMULATOR_VERSION} tarball (about 57 MB, once)`);
    const pack = probeCommand('npm', [
      'pack',
      `amplify-dynamodb-simulator@${SIMULATOR_VERSION}`,
      '--pack-destination',
      CACHE_DIR,
      '--silent',
      '--ignore-scripts',
    ]);
    if (!pack.ok || !existsSync(tarball)) {
      throw new Error(`npm pack amplify-dynamodb-simulator@${SIMULATOR_VERSION} failed:\n${pack.output}`);
    }
    const actual = integrityOf(tarball);
    if (actual !== SIMULATOR_INTEGRITY) {
      rmSync(tarball, { force: true });
      throw new Error(`the tarball's integrity is ${actual}, expected ${SIMULATOR_INTEGRITY}`);
    }
  }
  // Unpack beside the target and rename into place, so a half-unpacked folder is never taken for a cache.
  const staging = mkdtempSync(join(CACHE_DIR, 'unpack-'));
  try {
    const untar = probeCommand('tar', ['-xzf', tarball, '-C', staging, 'package/emulator']);
    if (!untar.ok) throw new Error(`could not unpack ${tarball}:\n${untar.output}`);
    writeFileSync(join(staging, 'package', 'emulator', '.unpacked'), `${SIMULATOR_VERSION}\n`);
    rmSync(join(CACHE_DIR, `amplify-dynamodb-simulator-${SIMULATOR_VERSION}`), {
      recursive: true,
      force: true,
    });
    mkdirSync(join(CACHE_DIR, `amplify-dynamodb-simulator-${SIMULATOR_VERSION}`), { recursive: true });
    renameSync(join(staging, 'package', 'emulator'), emulatorDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  say(LEG, `unpacked DynamoDB Local into ${emulatorDir}`);
  return emulatorDir;
}

async function main(): Promise<number> {
  // ci-legs.sh fetches first, then runs the leg in a network namespace that has only loopback.
  if (process.env.DYNAMODB_LOCAL_FETCH_ONLY === '1') {
    ensureDynamoDbLocal();
    return 0;
  }
  const java = probeCommand(JAVA, ['-version']);
  if (java.missing) cannotRun(LEG, `${JAVA} not found`);
  if (!java.ok) cannotRun(LEG, `${JAVA} -version failed: ${java.output.split('\n')[0]}`);
  say(LEG, `java: ${java.output.split('\n')[0]}`);

  const dir = ensureDynamoDbLocal();
  // DynamoDB Local has no option to choose the interface it binds (see its -help): it listens on every
  // interface, on a port that is free at random, in memory, with its telemetry off, and only for this run.
  const { engine, endpoint } = await startOnFreePort(
    LEG,
    (port) =>
      startEngine(
        'dynamodb-local',
        JAVA,
        [
          '-Xms64m',
          '-Xmx512m',
          `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
          '-jar',
          join(dir, 'DynamoDBLocal.jar'),
          '-inMemory',
          '-sharedDb',
          '-disableTelemetry',
          '-port',
          String(port),
        ],
        { cwd: dir, maxSeconds: 30 * 60, leg: LEG },
      ),
    dynamoAnswers,
    60_000,
  );
  // Only DynamoDB goes to DynamoDB Local; S3 stays on the runtime's embedded engine.
  return suiteOn(LEG, engine, { AWS_ENDPOINT_URL_DYNAMODB: endpoint });
}

runLeg(LEG, main);
