import { join } from 'node:path';
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE } from '../../shared/table.js';
import { WEBHOOK_PROVIDERS } from '../../shared/webhooks/manifest.js';
import { HookbridgeFunction } from '../constructs/function.js';
import { Observability } from '../constructs/observability.js';
import { FUNCTION_SETTINGS, secretGrantsFor, tableActionsFor } from '../functions.js';
import { acknowledgeNagFindings } from '../nag.js';
import { DEFAULT_ROUTE_FN, HTTP_FUNCTIONS, ROUTES } from '../routes.js';
import { STREAM_FILTER_PATTERN, STREAM_SETTINGS } from '../stream.js';

export type Stage = 'dev' | 'prod';

/** Webhook provider slugs, as used in URLs and secret names. */
export const WEBHOOK_PROVIDER_SLUGS: readonly string[] = WEBHOOK_PROVIDERS;

/** `-c publicUrl`: an https URL without a trailing slash, checked at synth time. */
function publicUrlOf(scope: Construct): string | undefined {
  const v = scope.node.tryGetContext('publicUrl') as string | undefined;
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`-c publicUrl must be a URL, not "${v}"`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash) {
    throw new Error(`-c publicUrl must be an https URL without query or fragment, not "${v}"`);
  }
  return v.replace(/\/+$/, '');
}

/** A numeric context value (CLI context arrives as a string). */
function numberContext(scope: Construct, name: string): number | undefined {
  const v = scope.node.tryGetContext(name) as string | number | undefined;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`-c ${name} must be a whole number, not "${v}"`);
  return n;
}

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
  readonly observability: Observability;
  readonly deadLetterQueues: sqs.Queue[] = [];
  readonly bus: events.EventBus;

  /** An encrypted, TLS-only dead-letter queue with 14-day retention; each one gets a depth alarm. */
  deadLetterQueue(id: string): sqs.Queue {
    const q = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(q).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (an on-failure destination); it is alarmed on depth.',
    });
    this.deadLetterQueues.push(q);
    return q;
  }

  constructor(scope: Construct, id: string, props: HookbridgeStackProps) {
    super(scope, id, props);
    // Context errors fail before any bundling.
    for (const provider of listContext(this, 'webhookProviders', [])) {
      if (!WEBHOOK_PROVIDER_SLUGS.includes(provider)) {
        throw new Error(
          `-c webhookProviders: unknown provider "${provider}" (known: ${WEBHOOK_PROVIDER_SLUGS.join(', ')})`,
        );
      }
    }
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
    // The token-vault key, generated at deploy time as {"current": "k1", "k1": "<64 random chars>"}
    // (the vault stretches it with SHA-256). Retained in prod: losing it loses every stored token.
    new secretsmanager.Secret(this, 'VaultKey', {
      secretName: 'hookbridge/vault',
      description: 'Hookbridge token-vault encryption keys (rotate by kid; see README)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: 'k1' }),
        generateStringKey: 'k1',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const publicUrlContext = publicUrlOf(this);
    const retentionDays = numberContext(this, 'eventRetentionDays') ?? 30;
    if (retentionDays < 7 || retentionDays > 3650) {
      throw new Error(
        `-c eventRetentionDays must be 7-3650 (providers retry for days), not ${retentionDays}`,
      );
    }
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
        environment: {
          HOOKBRIDGE_EVENT_RETENTION_DAYS: String(retentionDays),
          ...(publicUrlContext ? { HOOKBRIDGE_PUBLIC_URL: publicUrlContext } : {}),
        },
        reservedConcurrency: numberContext(this, `reservedConcurrency:${name}`),
        tracing: ['true', true].includes(this.node.tryGetContext('tracing')),
        removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      f.bindTable(this.table, tableActionsFor(name));
      f.bindSecrets(secretGrantsFor(name));
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

    // Delivery: an SQS queue carries each attempt (per-message DelaySeconds for the retry schedule),
    // with a dead-letter queue behind it, and a custom EventBridge bus receives normalised events.
    const deliveryDlq = this.deadLetterQueue('DeliveryDlq');
    const deliveryQueue = new sqs.Queue(this, 'DeliveryQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the consumer's timeout, as AWS recommends for Lambda event sources.
      visibilityTimeout: Duration.seconds(6 * (FUNCTION_SETTINGS['deliveries-send']?.timeoutSec ?? 30)),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deliveryDlq, maxReceiveCount: 5 },
    });
    const bus = new events.EventBus(this, 'Bus', {
      eventBusName: `${this.stackName}-events`,
      description: 'Normalised Hookbridge events',
    });
    this.bus = bus;
    for (const [name, s] of Object.entries(FUNCTION_SETTINGS)) {
      const f = this.functions.get(name)!;
      if (s.uses?.includes('delivery-queue')) {
        deliveryQueue.grantSendMessages(f.fn);
        f.fn.addEnvironment('HOOKBRIDGE_DELIVERY_QUEUE_URL', deliveryQueue.queueUrl);
      }
      if (s.uses?.includes('event-bus')) {
        bus.grantPutEventsTo(f.fn);
        f.fn.addEnvironment('HOOKBRIDGE_EVENT_BUS_NAME', bus.eventBusName);
      }
      if (s.consumesDeliveryQueue) {
        f.fn.addEventSource(
          new SqsEventSource(deliveryQueue, {
            batchSize: 10,
            reportBatchItemFailures: true,
            maxConcurrency: 10,
          }),
        );
      }
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
    // Webhook providers send in bursts: the burst allowance is at least the steady rate.
    const rate = numberContext(this, 'throttleRate') ?? 1000;
    stage.defaultRouteSettings = {
      throttlingRateLimit: rate,
      throttlingBurstLimit: numberContext(this, 'throttleBurst') ?? 2 * rate,
    };
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

    this.observability = this.addObservability();
    this.addOperatorSecretsAndOutputs(prod);
    void adminSecret;
    acknowledgeNagFindings(this, [
      ...new Set(Object.values(FUNCTION_SETTINGS).flatMap((f) => f.secrets.filter((n) => n.endsWith('/')))),
    ]);
  }

  /** Alarms on the 5xx rate, throttles, function errors and every DLQ, plus one dashboard. */
  private addObservability(): Observability {
    const obs = new Observability(this, 'Observability', {
      alarmEmail: this.node.tryGetContext('alarmEmail'),
      alarmTopicArn: this.node.tryGetContext('alarmTopicArn'),
    });
    const apiMetric = (metricName: string) =>
      new cw.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: this.api.apiId },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    const fiveXxRate = new cw.MathExpression({
      expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
      usingMetrics: { errors: apiMetric('5xx'), requests: apiMetric('Count') },
      label: 'API 5xx rate (%)',
      period: Duration.minutes(5),
    });
    obs.alarm('Api5xxRate', fiveXxRate, {
      threshold: 1,
      periods: 2,
      description:
        'More than 1% of API requests answered 5xx for 10 minutes (store or secrets trouble; senders will retry).',
    });
    const fns = [...this.functions.values()];
    for (const [name, f] of this.functions) {
      obs.alarm(`Throttles-${name}`, f.fn.metricThrottles({ period: Duration.minutes(5) }), {
        threshold: 1,
        description: `The ${name} function was throttled (raise its reserved concurrency or the account limit).`,
      });
      obs.alarm(`Errors-${name}`, f.fn.metricErrors({ period: Duration.minutes(5) }), {
        threshold: 5,
        description: `The ${name} function failed 5 or more invocations in 5 minutes.`,
      });
    }
    // Business failures counted from the functions' log lines (no metrics code on the hot path).
    const logMetric = (id: string, fns: string[], metricName: string, phrase: string): cw.IMetric[] =>
      fns
        .filter((fn) => this.functions.has(fn))
        .map((fn) =>
          obs.logMetric(
            `${id}-${fn}`,
            this.functions.get(fn)!.logGroup,
            metricName,
            logs.FilterPattern.literal(`"${phrase}"`),
          ),
        );
    const receiver = this.functions.get('webhooks-receive');
    const rejected = logMetric(
      'SignatureFailures',
      ['webhooks-receive'],
      'WebhookRejected',
      'webhook rejected',
    )[0];
    if (receiver && rejected) {
      const rejectionRate = new cw.MathExpression({
        expression: 'IF(invocations >= 20, 100 * rejected / invocations, 0)',
        usingMetrics: {
          rejected,
          invocations: receiver.fn.metricInvocations({ period: Duration.minutes(5) }),
        },
        label: 'Webhook signature failures (%)',
        period: Duration.minutes(5),
      });
      obs.alarm('SignatureFailureRate', rejectionRate, {
        threshold: 10,
        periods: 2,
        description:
          'More than 10% of webhooks failed verification for 10 minutes: a rotated or wrong secret, or someone probing the endpoint.',
      });
      obs.dashboard.addWidgets(
        new cw.GraphWidget({ title: 'Webhook signature failures (%)', left: [rejectionRate], width: 12 }),
      );
    }
    const placeholder = logMetric(
      'PlaceholderSecret',
      ['webhooks-receive'],
      'WebhookSecretPlaceholder',
      'webhook secret is still the placeholder',
    )[0];
    if (placeholder) {
      obs.alarm('PlaceholderSecret', placeholder, {
        threshold: 1,
        description:
          'Webhooks arrive for a provider whose secret is still the REPLACE_ME placeholder: they are refused (5xx, the provider retries) until you put-secret-value.',
      });
    }
    const refreshFailures = logMetric(
      'RefreshFailures',
      ['connections-api', 'connections-refresher', 'proxy'],
      'ConnectionRefreshFailed',
      'connection refresh failed',
    )[0];
    if (refreshFailures) {
      obs.alarm('RefreshFailures', refreshFailures, {
        threshold: 5,
        description:
          '5 or more OAuth token refreshes failed in 5 minutes (provider outage, revoked grants, or bad client credentials).',
      });
    }
    const deadLettered = logMetric(
      'DeliveryFailures',
      ['deliveries-send'],
      'DeliveryDeadLettered',
      'delivery dead-lettered',
    )[0];
    if (deadLettered) {
      obs.alarm('DeliveryFailures', deadLettered, {
        threshold: 1,
        description:
          'A delivery to an app destination exhausted its retries: fix the receiver, then POST /destinations/{id}/redrive.',
      });
    }
    for (const q of this.deadLetterQueues) {
      obs.alarm(
        `DlqDepth-${q.node.id}`,
        q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        {
          threshold: 1,
          description: `Messages are waiting in the ${q.node.id} dead-letter queue: inspect, fix, then redrive.`,
        },
      );
    }
    obs.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'API requests',
        left: [apiMetric('Count'), apiMetric('4xx'), apiMetric('5xx')],
        width: 12,
      }),
      new cw.GraphWidget({ title: 'API 5xx rate (%)', left: [fiveXxRate], width: 12 }),
      new cw.GraphWidget({
        title: 'Function duration p99',
        left: fns.map((f) => f.fn.metricDuration({ statistic: 'p99' })),
        width: 12,
      }),
      new cw.GraphWidget({ title: 'Throttles', left: fns.map((f) => f.fn.metricThrottles()), width: 12 }),
    );
    return obs;
  }

  /** Secret placeholders the operator fills in (README: put-secret-value), and the URLs to register. */
  private addOperatorSecretsAndOutputs(prod: boolean): void {
    const placeholder = (id: string, name: string, value: Record<string, unknown>, description: string) =>
      new secretsmanager.Secret(this, id, {
        secretName: name,
        description,
        secretStringValue: SecretValue.unsafePlainText(JSON.stringify(value)),
        removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
    const publicUrl = publicUrlOf(this) ?? this.api.apiEndpoint;
    for (const provider of listContext(this, 'webhookProviders', ['stripe'])) {
      placeholder(
        `WebhookSecret-${provider}`,
        `hookbridge/webhooks/${provider}`,
        { secrets: ['REPLACE_ME'] },
        `Signing secret(s) for ${provider} webhooks`,
      );
      const outputId = `WebhookUrl${provider.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`;
      new CfnOutput(this, outputId, {
        value: `${publicUrl}/webhooks/${provider}`,
        description: `Register this URL at ${provider} as the webhook endpoint`,
      });
    }
    for (const integration of listContext(this, 'oauthIntegrations', [])) {
      placeholder(
        `OAuthSecret-${integration}`,
        `hookbridge/oauth/${integration}`,
        { clientId: 'REPLACE_ME', clientSecret: 'REPLACE_ME' },
        `OAuth client credentials for integration ${integration}`,
      );
    }
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.apiEndpoint,
      description: 'Base URL of the Hookbridge API',
    });
    new CfnOutput(this, 'OAuthCallbackUrl', {
      value: `${publicUrl}/oauth/callback`,
      description: 'Register this redirect URI at every OAuth provider app',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }
}
