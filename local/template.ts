/**
 * Reads what `cdk deploy` would upload: the synthesized CloudFormation template in cdk.out and the asset bundles it
 * names. Intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split) are resolved for a fixed fake
 * account and region, with the table, bucket and queue standing for the local engines' names, so a function's
 * environment and its role's policies read as they would once deployed.
 *
 * The functions are found through the wiring, not by name: the API's routes ($connect, $disconnect, $default) by
 * their integrations, file delivery by the bucket's notification, the worker by the queue's event source mapping.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The account every ARN is resolved for; no AWS account is ever contacted. */
export const FAKE_ACCOUNT = '123456789012';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}

export interface Template {
  Resources: Record<string, Resource>;
}

/** Physical names of the stateful resources: the local engines' names stand in for CloudFormation's generated ones. */
export interface LocalNames {
  region: string;
  tableName: string;
  bucketName: string;
  queueName: string;
  /** The API id; its callback URL is rewritten to the local gateway's by the runtime. */
  apiId?: string;
}

export type FunctionRole = 'connect' | 'disconnect' | 'default' | 'file-uploaded' | 'job-worker';

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, Json>[];
}

export interface DeployedFunction {
  role: FunctionRole;
  logicalId: string;
  /** arn:aws:lambda:<region>:<account>:function:<name>. */
  arn: string;
  /** The bundle's entry file (cdk.out/asset.<hash>/index.mjs). */
  bundle: string;
  /** The exported handler's name (`index.handler` → `handler`). */
  handlerName: string;
  /** Exactly the template's variables, resolved. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  roleArn: string;
  /** The role's logical id in the template. */
  roleId: string;
  /** Every AWS::IAM::Policy attached to the function's role, and the role's inline policies. */
  policies: { name: string; document: PolicyDocument }[];
}

export interface Deployment {
  template: Template;
  names: Required<LocalNames>;
  stage: string;
  functions: Record<FunctionRole, DeployedFunction>;
  /** Resolves any template value (intrinsics included). */
  resolve(value: Json): Json;
  arnOf(logicalId: string): string;
  /** The resource policies: Lambda permissions (per function logical id), topic, bucket and queue policies. */
  permissions: { functionId: string; statement: Record<string, Json> }[];
  topicPolicies: { topicArn: string; document: PolicyDocument }[];
  bucketPolicy: PolicyDocument | undefined;
  queuePolicy: PolicyDocument | undefined;
  eventSourceMappings: { functionId: string; sourceArn: string }[];
  alarmArns: string[];
  topicArns: string[];
}

/** The one stack template in a cdk.out folder (the app has one stack). */
export function readTemplate(cdkOut: string): Template {
  const files = readdirSync(cdkOut).filter((f) => f.endsWith('.template.json'));
  if (files.length !== 1)
    throw new Error(`expected one *.template.json in ${cdkOut} (run npx cdk synth), found ${files.length}`);
  return JSON.parse(readFileSync(join(cdkOut, files[0] as string), 'utf8')) as Template;
}

const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The deployment a template describes, for FAKE_ACCOUNT in `names.region`. `cdkOut` locates the bundles; without
 * it (a template built in memory) the bundle paths are left empty.
 */
export function readDeployment(template: Template, local: LocalNames, cdkOut?: string): Deployment {
  const names: Required<LocalNames> = { apiId: 'obrolapi01', ...local };
  const resources = template.Resources;
  const region = names.region;
  const physical = (id: string): string => {
    const resource = resources[id];
    if (!resource) throw new Error(`the template has no resource ${id}`);
    const short = id.replace(/[A-F0-9]{8}$/, '');
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return names.tableName;
      case 'AWS::S3::Bucket':
        return id === bucketId ? names.bucketName : `${short.toLowerCase()}-${FAKE_ACCOUNT}`;
      case 'AWS::SQS::Queue':
        return id === queueId ? names.queueName : `${names.queueName}-${short.toLowerCase()}`;
      case 'AWS::ApiGatewayV2::Api':
        return names.apiId;
      case 'AWS::CloudWatch::Alarm': {
        // An alarm named in the template has that name in its ARN (the topic policy matches on it).
        const alarmName = resource.Properties?.AlarmName;
        return typeof alarmName === 'string' ? alarmName : `obrol-${short}`;
      }
      default:
        return `obrol-${short}`;
    }
  };
  // The files bucket is the one whose uploads notify a function; the job queue, the one mapped to a function.
  let bucketId = '';
  let queueId = '';
  for (const r of Object.values(resources)) {
    if (r.Type === 'Custom::S3BucketNotifications') {
      const ref = r.Properties?.BucketName;
      if (isObject(ref) && typeof ref.Ref === 'string') bucketId = ref.Ref;
    }
    if (r.Type === 'AWS::Lambda::EventSourceMapping') {
      const arn = r.Properties?.EventSourceArn;
      if (isObject(arn) && Array.isArray(arn['Fn::GetAtt'])) queueId = String(arn['Fn::GetAtt'][0]);
    }
  }

  const arnOf = (id: string): string => {
    const resource = resources[id];
    const name = physical(id);
    switch (resource?.Type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${FAKE_ACCOUNT}:table/${name}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${FAKE_ACCOUNT}:${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${FAKE_ACCOUNT}:function:${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${FAKE_ACCOUNT}:role/${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${FAKE_ACCOUNT}:log-group:${name}:*`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${FAKE_ACCOUNT}:${name}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:aws:cloudwatch:${region}:${FAKE_ACCOUNT}:alarm:${name}`;
      default:
        return `arn:aws:cloudformation:${region}:${FAKE_ACCOUNT}:resource/${name}`;
    }
  };
  const ref = (id: string): string => {
    switch (id) {
      case 'AWS::AccountId':
        return FAKE_ACCOUNT;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'obrol';
      case 'AWS::NoValue':
        return '';
    }
    const resource = resources[id];
    if (!resource) throw new Error(`Ref to unknown ${id}`);
    // Ref is the ARN for these types, the URL for a queue, the name for the rest.
    if (resource.Type === 'AWS::SNS::Topic') return arnOf(id);
    if (resource.Type === 'AWS::SQS::Queue')
      return `https://sqs.${region}.amazonaws.com/${FAKE_ACCOUNT}/${physical(id)}`;
    return physical(id);
  };
  const getAtt = (id: string, attribute: string): string => {
    if (attribute === 'Arn') return arnOf(id);
    if (attribute === 'QueueName' || attribute === 'TopicName') return physical(id);
    if (attribute === 'QueueUrl') return ref(id);
    throw new Error(`Fn::GetAtt ${id}.${attribute} is not resolved by the rehearsal`);
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = value[key] as Json;
      if (key === 'Ref') return ref(String(arg));
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return getAtt(String(id), String(attribute));
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = arg as [string, Json[]];
        return (resolve(parts) as Json[]).map(String).join(separator);
      }
      if (key === 'Fn::Select') {
        const [index, list] = arg as [number, Json];
        return (resolve(list) as Json[])[Number(resolve(index))] ?? null;
      }
      if (key === 'Fn::Split') {
        const [separator, text] = arg as [string, Json];
        return String(resolve(text)).split(separator);
      }
      if (key === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [String(arg), {}];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in vars) return String(resolve(vars[name] as Json));
          const [id, attribute] = name.split('.');
          return attribute ? getAtt(String(id), attribute) : ref(String(id));
        });
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };

  // The wiring: which function each route, the bucket notification and the event source mapping invoke.
  const roles = new Map<string, FunctionRole>();
  const functionIdIn = (value: Json | undefined): string | undefined => {
    const text = JSON.stringify(value ?? null);
    const ids = [...text.matchAll(/"Fn::GetAtt":\["([^"]+)","Arn"\]|"Ref":"([^"]+)"/g)].map(
      (m) => m[1] ?? m[2],
    );
    return ids.find((id) => resources[id ?? '']?.Type === 'AWS::Lambda::Function');
  };
  const routeRoles: Record<string, FunctionRole> = {
    $connect: 'connect',
    $disconnect: 'disconnect',
    $default: 'default',
  };
  let stage = '';
  for (const r of Object.values(resources)) {
    if (r.Type === 'AWS::ApiGatewayV2::Route') {
      const target = JSON.stringify(r.Properties?.Target ?? null);
      const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1];
      const uri = integrationId ? resources[integrationId]?.Properties?.IntegrationUri : undefined;
      const fn = functionIdIn(uri);
      const role = routeRoles[String(r.Properties?.RouteKey)];
      if (fn && role) roles.set(fn, role);
    }
    if (r.Type === 'Custom::S3BucketNotifications') {
      const config = r.Properties?.NotificationConfiguration;
      const lambdas = isObject(config) ? config.LambdaFunctionConfigurations : undefined;
      for (const entry of Array.isArray(lambdas) ? lambdas : []) {
        const fn = isObject(entry) ? functionIdIn(entry.LambdaFunctionArn) : undefined;
        if (fn) roles.set(fn, 'file-uploaded');
      }
    }
    if (r.Type === 'AWS::Lambda::EventSourceMapping') {
      const fn = functionIdIn(r.Properties?.FunctionName);
      if (fn) roles.set(fn, 'job-worker');
    }
    if (r.Type === 'AWS::ApiGatewayV2::Stage') stage = String(r.Properties?.StageName);
  }

  const functions = {} as Record<FunctionRole, DeployedFunction>;
  for (const [logicalId, role] of roles) {
    const props = resources[logicalId]?.Properties ?? {};
    const roleId = String(((props.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] ?? [])[0]);
    const policies: DeployedFunction['policies'] = [];
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      const attached = (r.Properties?.Roles as { Ref: string }[] | undefined) ?? [];
      if (!attached.some((a) => a.Ref === roleId)) continue;
      policies.push({ name: id, document: resolve(r.Properties?.PolicyDocument as Json) as never });
    }
    const roleProps = resources[roleId]?.Properties ?? {};
    if (Array.isArray(roleProps.ManagedPolicyArns) && roleProps.ManagedPolicyArns.length > 0)
      throw new Error(`${roleId} has managed policies, which the rehearsal cannot read`);
    for (const inline of (roleProps.Policies as Json[] | undefined) ?? []) {
      const p = inline as { PolicyName: string; PolicyDocument: Json };
      policies.push({ name: p.PolicyName, document: resolve(p.PolicyDocument) as never });
    }
    const variables =
      (props.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
    const environment = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, String(resolve(v))]),
    );
    // `cdk synth` notes the asset folder; a stack synthesized in memory only names the zip by its hash.
    const s3Key = (props.Code as { S3Key?: Json } | undefined)?.S3Key;
    const assetPath =
      resources[logicalId]?.Metadata?.['aws:asset:path'] ??
      (typeof s3Key === 'string' ? `asset.${s3Key.replace(/\.zip$/, '')}` : undefined);
    const [file, handlerName] = String(props.Handler ?? 'index.handler').split('.') as [string, string];
    let bundle = '';
    if (cdkOut) {
      if (typeof assetPath !== 'string') throw new Error(`${logicalId} names no asset bundle`);
      bundle = [`${file}.mjs`, `${file}.js`, `${file}.cjs`]
        .map((name) => join(cdkOut, assetPath, name))
        .find((path) => existsSync(path)) as string;
      if (!bundle) throw new Error(`no ${file}.mjs in ${join(cdkOut, assetPath)}`);
    }
    functions[role] = {
      role,
      logicalId,
      arn: arnOf(logicalId),
      bundle,
      handlerName,
      environment,
      timeoutSeconds: Number(props.Timeout ?? 3),
      roleArn: arnOf(roleId),
      roleId,
      policies,
    };
  }
  for (const role of ['connect', 'disconnect', 'default', 'file-uploaded', 'job-worker'] as const)
    if (!functions[role]) throw new Error(`the template wires no function as ${role}`);

  const permissions: Deployment['permissions'] = [];
  const topicPolicies: Deployment['topicPolicies'] = [];
  const eventSourceMappings: Deployment['eventSourceMappings'] = [];
  let bucketPolicy: PolicyDocument | undefined;
  let queuePolicy: PolicyDocument | undefined;
  for (const [id, r] of Object.entries(resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::Lambda::Permission') {
      const functionId = functionIdIn(props.FunctionName);
      if (!functionId) continue;
      // As Lambda renders an AddPermission in the function's resource policy.
      const condition: Record<string, Json> = {};
      if (props.SourceArn) condition.ArnLike = { 'AWS:SourceArn': resolve(props.SourceArn) };
      if (props.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': resolve(props.SourceAccount) };
      const principal = String(resolve(props.Principal as Json));
      permissions.push({
        functionId,
        statement: {
          Sid: id,
          Effect: 'Allow',
          Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
          Action: resolve(props.Action as Json),
          Resource: arnOf(functionId),
          ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
        },
      });
    }
    if (r.Type === 'AWS::SNS::TopicPolicy') {
      const document = resolve(props.PolicyDocument as Json) as never;
      for (const topic of (resolve(props.Topics as Json) as string[]) ?? [])
        topicPolicies.push({ topicArn: topic, document });
    }
    if (r.Type === 'AWS::S3::BucketPolicy' && (props.Bucket as { Ref?: string })?.Ref === bucketId)
      bucketPolicy = resolve(props.PolicyDocument as Json) as never;
    if (
      r.Type === 'AWS::SQS::QueuePolicy' &&
      ((props.Queues as { Ref?: string }[]) ?? []).some((q) => q.Ref === queueId)
    )
      queuePolicy = resolve(props.PolicyDocument as Json) as never;
    if (r.Type === 'AWS::Lambda::EventSourceMapping') {
      const functionId = functionIdIn(props.FunctionName);
      if (functionId)
        eventSourceMappings.push({ functionId, sourceArn: String(resolve(props.EventSourceArn as Json)) });
    }
  }
  const ofType = (type: string) =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => arnOf(id));

  return {
    template,
    names,
    stage,
    functions,
    resolve,
    arnOf,
    permissions,
    topicPolicies,
    bucketPolicy,
    queuePolicy,
    eventSourceMappings,
    alarmArns: ofType('AWS::CloudWatch::Alarm'),
    topicArns: ofType('AWS::SNS::Topic'),
  };
}
