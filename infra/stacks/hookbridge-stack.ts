import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE } from '../../shared/table.js';
import { HookbridgeFunction } from '../constructs/function.js';
import type { Observability } from '../constructs/observability.js';
import { FUNCTION_SETTINGS } from '../functions.js';
import { acknowledgeNagFindings } from '../nag.js';
import { DEFAULT_ROUTE_FN, HTTP_FUNCTIONS, ROUTES } from '../routes.js';
import { STREAM_FILTER_PATTERN, STREAM_SETTINGS } from '../stream.js';

export type Stage = 'dev' | 'prod';

/** Webhook provider slugs, as used in URLs and secret names. */
export const WEBHOOK_PROVIDER_SLUGS = [
  'stripe',
  'standard-webhooks',
  'github',
  'shopify',
  'square',
  'paddle',
  'adyen',
  'razorpay',
  'lemonsqueezy',
  'slack',
  'twilio',
  'braintree',
  'paypal',
];

/** A comma-separated `-c name=a,b` context value as a list. */
function listContext(scope: Construct, name: string, fallback: string[]): string[] {
  const v = scope.node.tryGetContext(name) as string | string[] | undefined;
  if (v === undefined) return fallback;
  return (Array.isArray(v) ? v : String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

export interface HookbridgeStackProps extends StackProps {
  stage: Stage;
  /** Root of the repository (where `functions/` lives). */
  root: string;
}

export class HookbridgeStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly api: apigw.HttpApi;
  readonly functions = new Map<string, HookbridgeFunction>();
  readonly observability!: Observability;
  readonly deadLetterQueues: sqs.Queue[] = [];

  /** An encrypted, TLS-only dead-letter queue with 14-day retention; each one gets a depth alarm. */
  deadLetterQueue(id: string): sqs.Queue {
    const q = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueues.push(q);
    return q;
  }

  constructor(scope: Construct, id: string, props: HookbridgeStackProps) {
    super(scope, id, props);
    const prod = props.stage === 'prod';
    const S = dynamodb.AttributeType.STRING;

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: S },
      sortKey: { name: TABLE.sortKey, type: S },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: TABLE.ttlAttribute,
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      globalSecondaryIndexes: TABLE.globalSecondaryIndexes.map((g) => ({
        indexName: g.indexName,
        partitionKey: { name: g.partitionKey, type: S },
        sortKey: { name: g.sortKey, type: S },
      })),
    });

    // The bootstrap admin key, generated at deploy time: {"apiKey": "…"}.
    const adminSecret = new secretsmanager.Secret(this, 'AdminKey', {
      secretName: 'hookbridge/admin',
      description: 'Hookbridge bootstrap admin API key',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'apiKey',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const usesApiKeys = new Set(ROUTES.filter((r) => r.auth === 'api-key').map((r) => r.fn));
    for (const name of HTTP_FUNCTIONS) {
      if (!FUNCTION_SETTINGS[name])
        throw new Error(`infra/functions.ts has no settings for function "${name}"`);
    }
    for (const [name, s] of Object.entries(FUNCTION_SETTINGS)) {
      const f = new HookbridgeFunction(this, `Fn-${name}`, {
        name,
        entry: join(props.root, 'functions', name, 'index.ts'),
        description: s.description,
        memoryMb: s.memoryMb,
        timeoutSec: s.timeoutSec,
        environment: { HOOKBRIDGE_EVENT_RETENTION_DAYS: '30' },
        reservedConcurrency: this.node.tryGetContext(`reservedConcurrency:${name}`),
        removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      const access = usesApiKeys.has(name) && s.table === 'none' ? 'read' : s.table;
      f.bindTable(this.table, access);
      f.bindSecrets([...new Set([...s.secrets, ...(usesApiKeys.has(name) ? ['hookbridge/admin'] : [])])]);
      this.functions.set(name, f);
    }

    // The DynamoDB stream feeds events-process: only new `event` records pass the filter.
    const processor = this.functions.get(STREAM_SETTINGS.function);
    if (processor) {
      const streamDlq = this.deadLetterQueue('StreamDlq');
      processor.fn.addEventSource(
        new DynamoEventSource(this.table as unknown as dynamodb.ITable, {
          startingPosition: lambda.StartingPosition[STREAM_SETTINGS.startingPosition],
          batchSize: STREAM_SETTINGS.batchSize,
          maxBatchingWindow: Duration.seconds(STREAM_SETTINGS.maxBatchingWindowSec),
          bisectBatchOnError: STREAM_SETTINGS.bisectBatchOnError,
          retryAttempts: STREAM_SETTINGS.retryAttempts,
          maxRecordAge: Duration.seconds(STREAM_SETTINGS.maxRecordAgeSec),
          reportBatchItemFailures: STREAM_SETTINGS.reportBatchItemFailures,
          parallelizationFactor: STREAM_SETTINGS.parallelizationFactor,
          onFailure: new SqsDlq(streamDlq),
          filters: [{ pattern: JSON.stringify(STREAM_FILTER_PATTERN) }],
        }),
      );
    }

    // Scheduled functions.
    for (const [name, s] of Object.entries(FUNCTION_SETTINGS)) {
      if (!s.scheduleMinutes) continue;
      new events.Rule(this, `Schedule-${name}`, {
        description: `Runs ${name} every ${s.scheduleMinutes} minutes`,
        schedule: events.Schedule.rate(Duration.minutes(s.scheduleMinutes)),
        targets: [new targets.LambdaFunction(this.functions.get(name)!.fn, { retryAttempts: 0 })],
      });
    }

    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (fn: string) => {
      let i = integrations.get(fn);
      if (!i) {
        i = new HttpLambdaIntegration(`Int-${fn}`, this.functions.get(fn)!.fn, {
          payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(fn, i);
      }
      return i;
    };

    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `${this.stackName}-api`,
      description: 'Hookbridge HTTP API',
      defaultIntegration: integrationFor(DEFAULT_ROUTE_FN),
    });
    for (const r of ROUTES) {
      this.api.addRoutes({
        path: r.path,
        methods: [apigw.HttpMethod[r.method]],
        integration: integrationFor(r.fn),
      });
    }

    const stage = this.api.defaultStage!.node.defaultChild as apigw.CfnStage;
    stage.defaultRouteSettings = { throttlingBurstLimit: 500, throttlingRateLimit: 1000 };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        method: '$context.httpMethod',
        routeKey: '$context.routeKey',
        path: '$context.path',
        status: '$context.status',
        protocol: '$context.protocol',
        responseLength: '$context.responseLength',
        latency: '$context.responseLatency',
        integrationLatency: '$context.integrationLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.apiEndpoint,
      description: 'Base URL of the Hookbridge API',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    void adminSecret;
    acknowledgeNagFindings(this, [
      ...new Set(Object.values(FUNCTION_SETTINGS).flatMap((f) => f.secrets.filter((n) => n.endsWith('/')))),
    ]);
  }
}
