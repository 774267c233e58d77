/** Builds the CDK app the way infra/app.ts does, with cdk.json's context, for the template tests. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readSettings } from '../../infra/config.js';
import { applyNag } from '../../infra/nag.js';
import { ObrolStack } from '../../infra/stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface Built {
  app: App;
  stack: ObrolStack;
  template: Template;
}

/**
 * Synthesizes once; pass context overrides the way `-c key=value` would (as strings). Bundling the four
 * handlers takes a few seconds, so only tests that look at the bundles ask for it; without it the template
 * is identical except for the asset hashes.
 */
export function build(
  overrides: Record<string, string> = {},
  options: { nag?: boolean; bundle?: boolean } = {},
): Built {
  const context: Record<string, unknown> = { ...cdkJson.context, ...overrides };
  if (!options.bundle) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context });
  const settings = readSettings(app.node);
  const synth = () => {
    const stack = new ObrolStack(app, `obrol-${settings.stage}`, { settings });
    if (options.nag) applyNag(app);
    return { stack, template: Template.fromStack(stack) };
  };
  const { stack, template } = options.bundle ? withoutBundlingNotes(synth) : synth();
  return { app, stack, template };
}

/**
 * aws-cdk-lib announces each bundle on stderr ("Bundling asset obrol-prod/Connect/Code/Stage...") as it stages
 * the asset, while the stack is built; in `npm test` those lines only bury the results, so they are dropped
 * then. (esbuild's own summary is turned off in infra/function.ts.) Anything else on stderr still shows.
 */
function withoutBundlingNotes<T>(synth: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('Bundling asset ')
      ? true
      : (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest)) as typeof write;
  try {
    return synth();
  } finally {
    process.stderr.write = write;
  }
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type PolicyProps = { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };

/** The logical id of the one Lambda function whose Description starts with `prefix`. */
export function functionId(template: Template, prefix: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function') as Resources).filter(
    ([, r]) => typeof r.Properties?.Description === 'string' && r.Properties.Description.startsWith(prefix),
  );
  if (found.length !== 1)
    throw new Error(`expected one function described "${prefix}…", found ${found.length}`);
  return (found[0] as [string, unknown])[0];
}

export function functionProps(template: Template, id: string): Record<string, unknown> {
  const resource = (template.toJSON().Resources as Resources)[id];
  if (!resource?.Properties) throw new Error(`no resource ${id}`);
  return resource.Properties;
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of every IAM policy attached to the function's role (inline or managed). */
export function roleStatements(template: Template, fnId: string): Statement[] {
  const role = functionProps(template, fnId).Role as { 'Fn::GetAtt': [string, string] };
  const roleId = role['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
    (p.Properties as PolicyProps).Roles.some((r) => r.Ref === roleId),
  );
  const roleResource = (template.toJSON().Resources as Resources)[roleId];
  if (roleResource?.Properties?.ManagedPolicyArns) throw new Error(`${roleId} has managed policies`);
  return policies.flatMap((p) => (p.Properties as PolicyProps).PolicyDocument.Statement);
}

export function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
}
