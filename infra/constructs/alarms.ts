import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { HookbridgeFunction } from './function.js';
import { Observability } from './observability.js';
import { addPipelineAlarms } from './pipeline-alarms.js';

export interface AlarmsProps {
  api: apigw.HttpApi;
  functions: ReadonlyMap<string, HookbridgeFunction>;
  deadLetterQueues: readonly sqs.Queue[];
  /** The delivery queue, alarmed on the age of its oldest message. */
  deliveryQueue: sqs.Queue;
  /** The table's name (its indexes are those in TABLE), alarmed on throttled reads and writes. */
  tableName: string;
  alarmEmail: string | undefined;
  alarmTopicArn: string | undefined;
}

type Functions = ReadonlyMap<string, HookbridgeFunction>;

/** A business failure counted from the functions' log lines (no metrics code on the hot path). */
interface LogLineCount {
  id: string;
  functions: readonly string[];
  metricName: string;
  /** The phrase the code logs. */
  phrase: string;
}

interface LogLineAlarm extends LogLineCount {
  threshold: number;
  description: string;
}

const SIGNATURE_FAILURES: LogLineCount = {
  id: 'SignatureFailures',
  functions: ['webhooks-receive'],
  metricName: 'WebhookRejected',
  phrase: 'webhook rejected',
};

const LOG_LINE_ALARMS: LogLineAlarm[] = [
  {
    id: 'PlaceholderSecret',
    functions: ['webhooks-receive'],
    metricName: 'WebhookSecretPlaceholder',
    phrase: 'webhook secret is still the placeholder',
    threshold: 1,
    description:
      'Webhooks arrive for a provider whose secret is still the REPLACE_ME placeholder: they are refused (5xx, the provider retries) until you put-secret-value.',
  },
  {
    id: 'RefreshFailures',
    functions: ['connections-api', 'connections-refresher', 'proxy'],
    metricName: 'ConnectionRefreshFailed',
    phrase: 'connection refresh failed',
    threshold: 5,
    description:
      '5 or more OAuth token refreshes failed in 5 minutes (provider outage, revoked grants, or bad client credentials).',
  },
  {
    id: 'DeliveryFailures',
    functions: ['deliveries-send'],
    metricName: 'DeliveryDeadLettered',
    phrase: 'delivery dead-lettered',
    threshold: 1,
    description:
      'A delivery to an app destination exhausted its retries: fix the receiver, then POST /destinations/{id}/redrive.',
  },
  {
    id: 'EventBatchItemFailures',
    functions: ['events-process'],
    metricName: 'EventProcessingFailed',
    phrase: 'event processing failed',
    threshold: 1,
    description:
      'events-process reported a stream record as a partial batch failure (not a Lambda error): it is retried, then dead-lettered to the stream DLQ.',
  },
  {
    id: 'DeliveryBatchItemFailures',
    functions: ['deliveries-send'],
    metricName: 'DeliveryMessageFailed',
    phrase: 'delivery message failed',
    threshold: 1,
    description:
      'deliveries-send reported a queue message as a partial batch failure (not a Lambda error): it is retried, then dead-lettered to the delivery DLQ.',
  },
];

/** Alarms on the 5xx rate, throttles, function errors, log-line failures and every DLQ, plus one dashboard. */
export function addAlarms(scope: Construct, props: AlarmsProps): Observability {
  const obs = new Observability(scope, 'Observability', {
    alarmEmail: props.alarmEmail,
    alarmTopicArn: props.alarmTopicArn,
  });
  const apiMetric = (metricName: string) =>
    new cw.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: props.api.apiId },
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
  addFunctionAlarms(obs, props.functions);
  addSignatureFailureAlarm(obs, props.functions);
  for (const a of LOG_LINE_ALARMS) {
    // The filters all count into one metric, so the first stands for all of them.
    const metric = countLogLines(obs, props.functions, a)[0];
    if (metric) obs.alarm(a.id, metric, { threshold: a.threshold, description: a.description });
  }
  addDeadLetterAlarms(obs, props.deadLetterQueues);
  addPipelineAlarms(obs, props);
  const fns = [...props.functions.values()];
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

function addFunctionAlarms(obs: Observability, functions: Functions): void {
  for (const [name, f] of functions) {
    obs.alarm(`Throttles-${name}`, f.fn.metricThrottles({ period: Duration.minutes(5) }), {
      threshold: 1,
      description: `The ${name} function was throttled (raise its reserved concurrency or the account limit).`,
    });
    obs.alarm(`Errors-${name}`, f.fn.metricErrors({ period: Duration.minutes(5) }), {
      threshold: 5,
      description: `The ${name} function failed 5 or more invocations in 5 minutes.`,
    });
  }
}

/** A share of invocations rather than a count, so a busy day alone does not alarm. */
function addSignatureFailureAlarm(obs: Observability, functions: Functions): void {
  const receiver = functions.get('webhooks-receive');
  const rejected = countLogLines(obs, functions, SIGNATURE_FAILURES)[0];
  if (!receiver || !rejected) return;
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

/** One metric filter per function that exists (`<id>-<function>`), all counting into one metric. */
function countLogLines(obs: Observability, functions: Functions, spec: LogLineCount): cw.IMetric[] {
  return spec.functions
    .filter((fn) => functions.has(fn))
    .map((fn) =>
      obs.logMetric(
        `${spec.id}-${fn}`,
        functions.get(fn)!.logGroup,
        spec.metricName,
        logs.FilterPattern.literal(`"${spec.phrase}"`),
      ),
    );
}

function addDeadLetterAlarms(obs: Observability, queues: readonly sqs.Queue[]): void {
  for (const q of queues) {
    obs.alarm(
      `DlqDepth-${q.node.id}`,
      q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      {
        threshold: 1,
        description: `Messages are waiting in the ${q.node.id} dead-letter queue: inspect, fix, then redrive.`,
      },
    );
  }
}
