/**
 * Names the stack and the code must agree on. Where one constant serves both (the bucket's key prefixes, the table's
 * key attributes, the metric namespace) the tests check the template uses it; where the code only reads a name at
 * runtime (environment variables, metric names, runbook sections) they check the two sides against each other.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../shared/data/schema.js';
import { FILES_PREFIX, UPLOADS_PREFIX } from '../../shared/files/prefixes.js';
import { NAMESPACE } from '../../shared/metrics.js';
import { build } from './app.js';

// shared/config.ts reads the environment when first imported (as a cold start does).
Object.assign(process.env, {
  AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1',
  TABLE_NAME: process.env.TABLE_NAME ?? 'names-test',
});
const { loadConfig } = await import('../../shared/config.js');
const { objectKey, uploadIdOf } = await import('../../shared/files/names.js');
const { sealedKeyOf } = await import('../../shared/files/seal.js');

const { template } = build();
type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = Object.values(template.toJSON().Resources as Record<string, Resource>);
const json = (v: unknown) => JSON.stringify(v);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const code = [...sources('shared'), ...sources('lambdas')].map((f) => readFileSync(f, 'utf8')).join('\n');

describe('bucket key prefixes: one constant for the stack and the code', () => {
  const [filesId, files] = Object.entries(template.toJSON().Resources as Record<string, Resource>).find(
    ([, r]) => r.Type === 'AWS::S3::Bucket' && r.Properties.CorsConfiguration,
  ) as [string, Resource];

  it('the code builds and seals keys under them', () => {
    const id = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expect(objectKey('uploads', id, 'a.txt')).toBe(`${UPLOADS_PREFIX}${id}/a.txt`);
    expect(objectKey('files', id, 'a.txt')).toBe(`${FILES_PREFIX}${id}/a.txt`);
    expect(uploadIdOf(objectKey('uploads', id, 'a.txt'))).toBe(id);
    expect(sealedKeyOf(objectKey('uploads', id, 'a.txt'))).toBe(objectKey('files', id, 'a.txt'));
  });

  it('the upload notification filters on the uploads prefix', () => {
    const notifications = resources.find((r) => r.Type === 'Custom::S3BucketNotifications');
    expect(json(notifications?.Properties.NotificationConfiguration)).toContain(
      json({ Name: 'prefix', Value: UPLOADS_PREFIX }),
    );
  });

  it('the uploads lifecycle rule expires the uploads prefix', () => {
    const lifecycle = files?.Properties.LifecycleConfiguration as {
      Rules: { Id: string; Prefix?: string }[];
    };
    const rules = lifecycle.Rules;
    expect(rules.find((r) => r.Id === 'expire-uploads')?.Prefix).toBe(UPLOADS_PREFIX);
  });

  it('object grants on the files bucket name only the two prefixes', () => {
    const policies = json(resources.filter((r) => r.Type === 'AWS::IAM::Policy'));
    const prefixes = [...policies.matchAll(new RegExp(`"${filesId}","Arn"\\]\\},"/([^"]*)\\*"`, 'g'))].map(
      (m) => m[1],
    );
    expect(new Set(prefixes)).toEqual(new Set([FILES_PREFIX, UPLOADS_PREFIX]));
  });

  it('the local runtime announces uploads under the same prefix', () => {
    expect(readFileSync('local/runtime.ts', 'utf8')).toMatch(/notifyPrefix: UPLOADS_PREFIX\b/);
  });
});

describe('table', () => {
  it('declares exactly the indexes the code queries (none today), from the shared key schema', () => {
    const table = resources.find((r) => r.Type === 'AWS::DynamoDB::Table') as Resource;
    const declared = ((table.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string }[])
      .concat((table.Properties.LocalSecondaryIndexes ?? []) as { IndexName: string }[])
      .map((i) => i.IndexName)
      .sort();
    const queried = [
      ...new Set([...code.matchAll(/IndexName:\s*['"`]([^'"`]+)['"`]/g)].map((m) => m[1])),
    ].sort();
    expect(declared).toEqual(queried);
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ]);
  });
});

describe('environment variables', () => {
  const obrolFunctions = resources.filter(
    (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith('obrol'),
  );

  it.each(obrolFunctions.map((f) => [String(f.Properties.Description).split(':')[0], f] as const))(
    '%s: every variable the stack sets is one the code reads, and the code starts with them',
    (_, fn) => {
      const set = Object.keys(
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
      );
      const env: Record<string, string> = { AWS_REGION: 'eu-west-1' };
      for (const name of set) env[name] = name.endsWith('_URL') ? 'https://example.test/x' : '1';
      const read = new Set<string>();
      const watched = new Proxy(env, {
        get: (target, key: string) => {
          read.add(key);
          return target[key];
        },
      });
      expect(() => loadConfig(watched)).not.toThrow();
      // NODE_OPTIONS is Node's own.
      expect(set.filter((name) => name !== 'NODE_OPTIONS' && !read.has(name))).toEqual([]);
    },
  );
});

describe('metrics and runbooks', () => {
  const body = json(template.toJSON());

  it('every app metric the alarms and the dashboard read is one the code emits', () => {
    const names = new Set<string>();
    const patterns = [
      new RegExp(`"MetricName":"(\\w+)","Namespace":"${NAMESPACE}"`, 'g'), // alarms
      new RegExp(`${NAMESPACE}\\\\",\\\\"(\\w+)`, 'g'), // dashboard graphs: ["obrol","Name",…]
      /MetricName=\\+"(\w+)/g, // dashboard SEARCH expressions
    ];
    for (const pattern of patterns) for (const m of body.matchAll(pattern)) names.add(m[1] as string);
    expect(names.size).toBeGreaterThan(8);
    for (const name of names) expect(code, name).toContain(`'${name}'`);
  });

  it("every alarm's runbook section exists in docs/OPERATIONS.md", () => {
    const headings = new Set(
      [...readFileSync('docs/OPERATIONS.md', 'utf8').matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]),
    );
    const alarms = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    for (const alarm of alarms) {
      const section = /section ([\w-]+)\.$/.exec(String(alarm.Properties.AlarmDescription))?.[1];
      expect(headings, String(alarm.Properties.AlarmName)).toContain(section);
    }
  });
});
