/**
 * The deploy rehearsal in small: the stack synthesized with its bundles (as `cdk synth` writes them), the runtime
 * running each function from its bundle with its template environment, a short session that reaches all five
 * functions, and the IAM check over every call they made — including that it names the call when a grant is
 * removed from the template. `npm run test:bundles` runs the whole black-box suite the same way.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBundles } from '../../local/bundles.js';
import type { AwsCall } from '../../local/call-recorder.js';
import type { Runtime } from '../../local/runtime.js';
import { type Deployment, FAKE_ACCOUNT, readDeployment, type Template } from '../../local/template.js';
import { build } from '../infra/app.js';
import type { ChatClient } from '../support/client.js';
import { loggedIn, PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import { download, randomFile, sha256, type UploadForm, upload } from '../support/files.js';
import { checkCalls, describeDenials } from '../support/iam-check.js';

let runtime: Runtime;
let deployment: Deployment;
let template: Template;
let outdir: string | undefined;
const calls: AwsCall[] = [];
const clients: ChatClient[] = [];

beforeAll(async () => {
  delete process.env.WS_URL;
  process.env.OBROL_LOG ??= 'silent';
  const built = build({}, { bundle: true });
  template = built.template.toJSON() as Template;
  outdir = built.app.outdir;
  const { startRuntime } = await import('../../local/runtime.js');
  runtime = await startRuntime({
    port: 0,
    bundles: { cdkOut: outdir, onCall: (call) => calls.push(call) },
  });
  deployment = runtime.deployment() as Deployment;
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await runtime?.stop();
  // The cloud assembly aws-cdk-lib wrote to a temporary folder, bundles included.
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

async function user(prefix: string): Promise<User> {
  const u = await loggedIn({ url: runtime.url, stop: async () => undefined }, prefix);
  clients.push(u.client);
  return u;
}

const actionsOf = (fn: string) =>
  [...new Set(calls.filter((c) => c.function === fn && !c.principal).map((c) => c.action))].sort();

/** The template with one statement (by Sid) removed from the policy of the function wired as `role`. */
function withoutGrant(role: keyof Deployment['functions'], sid: string): Template {
  const copy = structuredClone(template);
  const { roleId } = deployment.functions[role];
  let removed = 0;
  for (const resource of Object.values(copy.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const props = resource.Properties as {
      Roles: { Ref: string }[];
      PolicyDocument: { Statement: { Sid?: string }[] };
    };
    if (!props.Roles.some((r) => r.Ref === roleId)) continue;
    const before = props.PolicyDocument.Statement.length;
    props.PolicyDocument.Statement = props.PolicyDocument.Statement.filter((s) => s.Sid !== sid);
    removed += before - props.PolicyDocument.Statement.length;
  }
  expect(removed).toBe(1);
  return copy;
}

describe("each function's environment", () => {
  it("is the template's, resolved for the fake account, with the local names", () => {
    const { names, stage, functions } = deployment;
    expect(functions.connect.environment).toEqual({
      TABLE_NAME: names.tableName,
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(functions.disconnect.environment).toEqual({
      TABLE_NAME: names.tableName,
      QUEUE_URL: `https://sqs.${names.region}.amazonaws.com/${FAKE_ACCOUNT}/${names.queueName}`,
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(functions['job-worker'].environment).toMatchObject({
      BUCKET_NAME: names.bucketName,
      CALLBACK_URL: `https://${names.apiId}.execute-api.${names.region}.amazonaws.com/${stage}`,
    });
    expect(functions.default.environment).not.toHaveProperty('CALLBACK_URL');
    expect(functions.default.bundle).toMatch(/asset\.[0-9a-f]{64}\/index\.mjs$/);
  });

  it('keeps a function from starting when the template forgets a variable its bundle needs', async () => {
    // A cloud assembly like the real one, but $connect's TABLE_NAME is gone from the template.
    const broken = mkdtempSync(join(tmpdir(), 'obrol-cdk-out-'));
    try {
      const copy = structuredClone(template);
      const connect = copy.Resources[deployment.functions.connect.logicalId]?.Properties as {
        Environment: { Variables: Record<string, unknown> };
      };
      delete connect.Environment.Variables.TABLE_NAME;
      writeFileSync(join(broken, 'obrol-prod.template.json'), JSON.stringify(copy));
      for (const entry of readdirSync(outdir as string))
        if (entry.startsWith('asset.')) symlinkSync(join(outdir as string, entry), join(broken, entry));
      const unused = 'http://127.0.0.1:9';
      await expect(
        startBundles({
          cdkOut: broken,
          host: '127.0.0.1',
          region: deployment.names.region,
          tableName: deployment.names.tableName,
          bucketName: deployment.names.bucketName,
          queueName: deployment.names.queueName,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          upstreams: { dynamodb: unused, s3: unused, sqs: unused, connections: unused },
        }),
      ).rejects.toThrow(/TABLE_NAME is not set/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('the deploy rehearsal', () => {
  it('runs every function from its bundle, each calling AWS through its own environment', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    // A private message, an inline file and an uploaded one (file delivery seals it and signs the link).
    expect(await alice.client.request(`SEND ${bob.name} halo`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.nextPush()).toMatchObject({ event: 'MESSAGE', message: 'halo' });
    const answer = await alice.client.request(`SEND_FILE ${bob.name} big.bin`);
    const form = answer.upload as UploadForm;
    const file = randomFile(120 * 1024);
    expect(await upload(form, file, 'big.bin')).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ event: 'FILE', filename: 'big.bin', size: file.length });
    expect(sha256((await download(String(push.url))).bytes)).toBe(sha256(file));
    // A message that waits for an offline user is delivered by the worker after the next AUTH.
    const carol = uniqueName('carol');
    const setup = await (await import('../support/client.js')).ChatClient.connect(runtime.url);
    clients.push(setup);
    expect(await setup.request(`REGISTER ${carol} ${PASSWORD} ID Carol`)).toMatchObject({ status: 'OK' });
    await setup.close();
    expect(await alice.client.request(`SEND ${carol} later`)).toMatchObject({ status: 'OK' });
    const back = await (await import('../support/client.js')).ChatClient.connect(runtime.url);
    clients.push(back);
    expect(await back.request(`AUTH ${carol} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await back.nextPush()).toMatchObject({ event: 'MESSAGE', message: 'later' });
    await runtime.uploadsSettled();
    await runtime.jobsSettled();

    // Each function's calls arrive through its own recorder, which only its own environment names.
    expect(actionsOf('connect')).toEqual(['dynamodb:PutItem']);
    expect(actionsOf('default')).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 's3:PutObject', 'execute-api:ManageConnections']),
    );
    expect(actionsOf('disconnect')).toContain('dynamodb:DeleteItem');
    expect(actionsOf('file-uploaded')).toEqual(
      expect.arrayContaining(['s3:GetObject', 's3:PutObject', 'execute-api:ManageConnections']),
    );
    expect(actionsOf('job-worker')).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
    // The download link was signed by file delivery, so S3 authorizes the GET as that function.
    expect(calls.some((c) => c.function === 'file-uploaded' && c.request.includes('(presigned)'))).toBe(true);
    // And the services' invocations, for the functions' resource policies.
    const invoked = new Set(calls.filter((c) => c.principal).map((c) => `${c.function} by ${c.principal}`));
    expect([...invoked].sort()).toEqual([
      'connect by apigateway.amazonaws.com',
      'default by apigateway.amazonaws.com',
      'disconnect by apigateway.amazonaws.com',
      'file-uploaded by s3.amazonaws.com',
    ]);
  });

  it('finds every recorded call allowed by the synthesized IAM', async () => {
    expect(calls.length).toBeGreaterThan(0);
    const report = await checkCalls(deployment, calls);
    expect(describeDenials(report.denials)).toBe('');
    expect(report.evaluated).toBeGreaterThan(10);
  });

  it('names the call and the missing statement when a grant is removed from the template', async () => {
    const names = deployment.names;
    const noUploads = readDeployment(withoutGrant('default', 'SignUploads'), names);
    const report = await checkCalls(noUploads, calls);
    expect(report.denials).toHaveLength(1);
    for (const denial of report.denials) {
      expect(denial.call.function).toMatch(/^default /);
      expect(denial.call.action).toBe('s3:PutObject');
      expect(denial.call.resource).toMatch(new RegExp(`^arn:aws:s3:::${names.bucketName}/uploads/`));
      expect(denial.call.request).toContain('(signed form)');
      expect(denial.missing).toEqual({
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${names.bucketName}/uploads/*`,
      });
    }
    expect(describeDenials(report.denials)).toContain('s3:PutObject');

    const noTable = readDeployment(withoutGrant('connect', 'Table'), names);
    const denied = (await checkCalls(noTable, calls)).denials;
    expect(denied.map((d) => `${d.call.action} ${d.call.resource}`)).toEqual([
      `dynamodb:PutItem arn:aws:dynamodb:${names.region}:123456789012:table/${names.tableName}`,
    ]);
  });
});
