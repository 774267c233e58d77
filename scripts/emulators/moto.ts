/**
 * `npm run test:moto`: the integration suite against moto's server (`python3 -m moto.server`), one
 * LocalStack-style endpoint for DynamoDB and S3 at once (AWS_ENDPOINT_URL), bound to loopback on a free port.
 *
 * Push delivery stays on the obrol gateway (the runtime sets CALLBACK_URL): moto's apigatewaymanagementapi
 * accepts posts to any id and never answers 410, so it could not stand in for @connections.
 *
 * No python3, or no moto in it: the leg is skipped with a plain message, or fails under CI (lib.ts cannotRun).
 */
import {
  cannotRun,
  dynamoAnswers,
  LOOPBACK,
  probeCommand,
  runLeg,
  say,
  startEngine,
  startOnFreePort,
  suiteOn,
} from './lib.js';

const LEG = 'moto';
const PYTHON = process.env.PYTHON ?? 'python3';

async function main(): Promise<number> {
  const python = probeCommand(PYTHON, ['--version']);
  if (python.missing) cannotRun(LEG, `${PYTHON} not found`);
  const moto = probeCommand(PYTHON, ['-c', 'import moto; print(moto.__version__)']);
  if (!moto.ok) cannotRun(LEG, `${PYTHON} cannot import moto (${moto.output.split('\n').pop()})`);
  const server = probeCommand(PYTHON, ['-c', 'import moto.server']);
  if (!server.ok) {
    cannotRun(
      LEG,
      `${PYTHON} cannot import moto.server, moto's server extras are missing (pip install 'moto[server]')`,
    );
  }
  say(LEG, `${python.output}, moto ${moto.output}`);

  const { engine, endpoint } = await startOnFreePort(
    LEG,
    (port) =>
      startEngine('moto', PYTHON, ['-m', 'moto.server', '-H', LOOPBACK, '-p', String(port)], {
        maxSeconds: 30 * 60,
        leg: LEG,
        // Unbuffered, so the log shows requests as they come.
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      }),
    dynamoAnswers,
    60_000,
  );
  return suiteOn(LEG, engine, { AWS_ENDPOINT_URL: endpoint });
}

runLeg(LEG, main);
