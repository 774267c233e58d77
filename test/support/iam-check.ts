/**
 * IAM, checked against real calls: each AWS call a function made in the deploy rehearsal (local/call-recorder.ts)
 * is evaluated offline against that function's synthesized role policies (and the bucket's or queue's resource
 * policy), and each service's invocation of a function against the function's Lambda permissions, with
 * @cloud-copilot/iam-simulate (AGPL-3.0, a test-only dev dependency: nothing of it ships in a bundle).
 * A denied call is reported with the statement that would have allowed it.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { AwsCall } from '../../local/call-recorder.js';
import {
  type Deployment,
  FAKE_ACCOUNT,
  type FunctionRole,
  type PolicyDocument,
} from '../../local/template.js';

export interface Denial {
  call: AwsCall;
  result: string;
  /** The statement whose absence denied the call (Allow, the action, the resource generalized as a grant names it). */
  missing: Record<string, unknown>;
}

export interface CheckReport {
  /** Distinct (function, action, resource, context) evaluated. */
  evaluated: number;
  denials: Denial[];
}

/** The resource a grant would name: one bucket prefix, the table, the queue, the stage's @connections. */
export function grantResource(resource: string): string {
  const s3 = /^arn:aws:s3:::([^/]+)\/([^/]+\/)?/.exec(resource);
  if (s3) return `arn:aws:s3:::${s3[1]}/${s3[2] ?? ''}*`;
  const api = /^(arn:aws:execute-api:[^/]+\/[^/]+\/[A-Z]+\/@connections)\//.exec(resource);
  if (api) return `${api[1]}/*`;
  return resource;
}

const document = (statements: Record<string, unknown>[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements as PolicyDocument['Statement'],
});

/** The simulation IAM would run for one recorded call. */
export function simulationFor(deployment: Deployment, call: AwsCall): Simulation {
  const fn = deployment.functions[call.function as FunctionRole];
  if (!fn) throw new Error(`a call by an unknown function ${call.function}`);
  const request = {
    action: call.action,
    resource: { resource: call.resource, accountId: FAKE_ACCOUNT },
    contextVariables: call.context,
  };
  if (call.principal) {
    // A service invoking the function: only the function's resource policy (its Lambda permissions) can allow it.
    const statements = deployment.permissions
      .filter((p) => p.functionId === fn.logicalId)
      .map((p) => p.statement);
    return {
      request: { ...request, principal: call.principal },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: document(statements),
    };
  }
  const service = call.action.split(':')[0];
  const resourcePolicy =
    service === 's3' ? deployment.bucketPolicy : service === 'sqs' ? deployment.queuePolicy : undefined;
  return {
    request: { ...request, principal: fn.roleArn },
    identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
  };
}

/** Evaluates one simulation: 'Allowed', 'ImplicitlyDenied', 'ExplicitlyDenied', or the validation error. */
export async function evaluate(simulation: Simulation): Promise<string> {
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') return `invalid request: ${JSON.stringify(response.errors)}`;
  return String(response.overallResult);
}

/** Evaluates every distinct recorded call; the report lists each denied one with the statement it lacks. */
export async function checkCalls(deployment: Deployment, calls: Iterable<AwsCall>): Promise<CheckReport> {
  const seen = new Map<string, AwsCall>();
  for (const call of calls) {
    const key = JSON.stringify([call.function, call.action, call.resource, call.principal, call.context]);
    if (!seen.has(key)) seen.set(key, call);
  }
  const denials: Denial[] = [];
  const named = new Set<string>();
  for (const call of seen.values()) {
    const result = await evaluate(simulationFor(deployment, call));
    if (result === 'Allowed') continue;
    const fn = deployment.functions[call.function as FunctionRole];
    const missing = call.principal
      ? {
          Effect: 'Allow',
          Principal: { Service: call.principal },
          Action: call.action,
          Resource: call.resource,
          Condition: { ArnLike: { 'AWS:SourceArn': call.context['aws:SourceArn'] } },
        }
      : { Effect: 'Allow', Action: call.action, Resource: grantResource(call.resource) };
    // One denial per function and missing statement: the first call it denied stands for the others.
    const key = JSON.stringify([call.function, missing]);
    if (named.has(key)) continue;
    named.add(key);
    denials.push({ call: { ...call, function: `${call.function} (${fn?.logicalId})` }, result, missing });
  }
  return { evaluated: seen.size, denials };
}

/** One line per denial: who, what, on what, as seen, and the statement that is missing. */
export function describeDenials(denials: Denial[]): string {
  return denials
    .map(
      (d) =>
        `${d.call.function} ${d.call.principal ? `invoked by ${d.call.principal}` : 'called'} ${d.call.action} on ${d.call.resource} ` +
        `(${d.call.request}): ${d.result}; missing statement ${JSON.stringify(d.missing)}`,
    )
    .join('\n');
}
