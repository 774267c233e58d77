import { RemovalPolicy as Removal, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOG_RETENTION, type ObrolFunction } from './function.js';

export interface ChatApiProps {
  readonly stageName: string;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** Throttles of single routes, overriding the stage's for them (the others keep the stage's). */
  readonly routeThrottles: Readonly<Partial<Record<'$connect' | '$default', apigw.ThrottleSettings>>>;
  readonly connectHandler: IFunction;
  readonly disconnectHandler: IFunction;
  readonly defaultHandler: IFunction;
  /** See ObrolSettings.apiGatewayCloudWatchRole. */
  readonly setAccountCloudWatchRole: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/** One JSON line per WebSocket event; API Gateway requires $context.requestId in the format. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    connectionId: '$context.connectionId',
    status: '$context.status',
    sourceIp: '$context.identity.sourceIp',
    integrationLatency: '$context.integrationLatency',
    error: '$context.error.message',
  }),
);

/**
 * The WebSocket API: $connect, $disconnect and $default (a two-way route: the handler's `{statusCode, body}`
 * goes back to the client), one auto-deployed stage with throttling and JSON access logs.
 */
export class ChatApi extends Construct {
  readonly api: apigw.WebSocketApi;
  readonly stage: apigw.WebSocketStage;

  constructor(scope: Construct, id: string, props: ChatApiProps) {
    super(scope, id);

    this.api = new apigw.WebSocketApi(this, 'Api', {
      apiName: Stack.of(this).stackName,
      description: 'obrol chat: the text chat protocol over WebSockets',
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', props.connectHandler),
      },
      disconnectRouteOptions: {
        integration: new WebSocketLambdaIntegration('DisconnectIntegration', props.disconnectHandler),
      },
      defaultRouteOptions: {
        integration: new WebSocketLambdaIntegration('DefaultIntegration', props.defaultHandler),
        returnResponse: true,
      },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Users sign in inside the protocol: AUTH/REGISTER check a username and password against the hash ' +
        'in the table and bind the connection, and commands that need a user refuse unbound connections. ' +
        'WebSocket APIs only run authorizers on $connect, against headers or query strings the protocol ' +
        '(and clients such as wscat) never send; stage throttling bounds what anonymous connections can do.',
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: LOG_RETENTION,
      removalPolicy: props.removalPolicy,
    });

    this.stage = new apigw.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    // Per-route throttles: a route's settings override the stage's default throttle for it. $connect gets a
    // lower one (a connection storm costs a function call and a write each, and holds connections open);
    // $default's can be tuned apart from $disconnect, which API Gateway sends and should not be refused.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const [routeKey, throttle] of Object.entries(props.routeThrottles)) {
      if (throttle?.rateLimit === undefined || throttle.burstLimit === undefined) continue;
      routeSettings[routeKey] = {
        ThrottlingRateLimit: throttle.rateLimit,
        ThrottlingBurstLimit: throttle.burstLimit,
      };
      // API Gateway refuses settings for a route it does not know yet.
      this.stage.node.addDependency(this.api.node.findChild(`${routeKey}-Route`));
    }
    (this.stage.node.defaultChild as apigw.CfnStage).routeSettings = routeSettings;

    if (props.setAccountCloudWatchRole) {
      // WebSocket (unlike HTTP) API logging is refused until the account has a CloudWatch Logs role in its
      // API Gateway settings. The setting is per account and region and outlives this stack, so both the
      // role and the setting are retained: deleting them would break logging for every other API.
      const role = new iam.Role(this, 'CloudWatchRole', {
        assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        description: 'Lets API Gateway write API logs to CloudWatch Logs (account-wide setting)',
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        ],
      });
      role.applyRemovalPolicy(Removal.RETAIN);
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'This is the role AWS documents for the account-wide API Gateway logging setting; API Gateway ' +
          'creates its log groups itself, so the managed policy (logs actions on all groups) is what it needs.',
      });
      const account = new CfnAccount(this, 'AccountSettings', { cloudWatchRoleArn: role.roleArn });
      account.applyRemovalPolicy(Removal.RETAIN);
      // API Gateway checks that it can assume the role when the setting is written; a role created in the same
      // deploy may not be usable yet (IAM propagates). An explicit dependency on the role and everything attached
      // to it makes CloudFormation finish them first, whatever else in the setting changes later.
      account.node.addDependency(role);
      // The stage's logging must not be configured before the account can deliver logs.
      this.stage.node.addDependency(account);
    }
  }

  /** The `wss://` URL clients connect to. */
  get url(): string {
    return this.stage.url;
  }

  /** The https endpoint of the @connections management API for this stage. */
  get callbackUrl(): string {
    return this.stage.callbackUrl;
  }

  /**
   * Lets a function post to connections of this API's stage, and nothing else:
   * arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/POST/@connections/{connectionId}.
   * The handlers only call PostToConnection; add 'DELETE' or 'GET' here if they start closing or
   * inspecting connections.
   */
  grantManageConnections(fn: ObrolFunction): void {
    const stack = Stack.of(this);
    const stageArn = stack.formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: this.stage.stageName,
    });
    const methods = ['POST'];
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ManageConnectionsOnThisStage',
        actions: ['execute-api:ManageConnections'],
        resources: methods.map((method) => `${stageArn}/${method}/@connections/*`),
      }),
    );
    // cdk-nag renders the ARN with the API's logical id; spell it the same way to acknowledge exactly it.
    const apiId = stack.getLogicalId(this.api.node.defaultChild as apigw.CfnApi);
    for (const method of methods) {
      Validations.of(fn.executionRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${this.stage.stageName}/${method}/@connections/*]`,
        reason:
          'Connection ids are created at runtime by API Gateway, so only the last ARN segment can be a ' +
          'wildcard: the statement is pinned to this API, this stage and the @connections method.',
      });
    }
  }
}
