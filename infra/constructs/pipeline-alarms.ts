import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { TABLE } from '../../shared/table.js';
import { STREAM_SETTINGS } from '../stream.js';
import type { HookbridgeFunction } from './function.js';
import type { Observability } from './observability.js';

/** Alarm thresholds for the pipeline's backlog and the table's capacity. */
export const PIPELINE_ALARMS = {
  /** The stream consumer is this far behind the newest record (ms). */
  iteratorAgeMs: 5 * 60_000,
  /** Longer than the longest SQS delay (900 s) plus a consumer's retries (s). */
  oldestDeliverySec: 30 * 60,
  /** Throttled read or write events on the table and its indexes in 5 minutes. */
  throttleEvents: 1,
} as const;

export interface PipelineAlarmsProps {
  functions: ReadonlyMap<string, HookbridgeFunction>;
  deliveryQueue: sqs.Queue;
  tableName: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Stream iterator age, delivery queue oldest-message age, and DynamoDB throttles (table and GSIs). */
export function addPipelineAlarms(obs: Observability, props: PipelineAlarmsProps): void {
  const processor = props.functions.get(STREAM_SETTINGS.function);
  if (processor) {
    obs.alarm(
      'StreamIteratorAge',
      processor.fn.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
      {
        threshold: PIPELINE_ALARMS.iteratorAgeMs,
        description: `${STREAM_SETTINGS.function} is 5 minutes or more behind the table's stream: webhooks are stored but not yet processed.`,
      },
    );
  }
  obs.alarm(
    'DeliveryQueueAge',
    props.deliveryQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: FIVE_MINUTES }),
    {
      threshold: PIPELINE_ALARMS.oldestDeliverySec,
      description:
        'A message has waited 30 minutes or more in the delivery queue: deliveries-send is failing, throttled or not keeping up.',
    },
  );
  obs.alarm('DynamoThrottles', tableThrottles(props.tableName), {
    threshold: PIPELINE_ALARMS.throttleEvents,
    description:
      'DynamoDB throttled reads or writes on the table or its indexes (hot key, or on-demand limits reached).',
  });
}

/** Read and write throttle events summed over the table and each global secondary index. */
function tableThrottles(tableName: string): cw.MathExpression {
  const usingMetrics: Record<string, cw.IMetric> = {};
  const scopes = [undefined, ...TABLE.globalSecondaryIndexes.map((g) => g.indexName)];
  scopes.forEach((index, i) => {
    for (const kind of ['Read', 'Write'] as const) {
      usingMetrics[`${kind.toLowerCase()}${i}`] = new cw.Metric({
        namespace: 'AWS/DynamoDB',
        metricName: `${kind}ThrottleEvents`,
        dimensionsMap: index
          ? { TableName: tableName, GlobalSecondaryIndexName: index }
          : { TableName: tableName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    }
  });
  return new cw.MathExpression({
    // A throttle metric has no data until something is throttled: count a missing point as 0.
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label: 'DynamoDB throttle events (table and indexes)',
    period: FIVE_MINUTES,
  });
}
