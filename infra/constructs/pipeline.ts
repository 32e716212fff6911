import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTION_SETTINGS } from '../functions.js';
import { STREAM_FILTER_PATTERN, STREAM_SETTINGS } from '../stream.js';
import type { HookbridgeFunction } from './function.js';

// Everything here is built in the caller's scope (not a child construct), so logical IDs stay as they were.

export interface PipelineProps {
  table: dynamodb.TableV2;
  functions: ReadonlyMap<string, HookbridgeFunction>;
  /** Concurrent `deliveries-send` batches the SQS event source may run (`-c deliveryConcurrency`). */
  deliveryConcurrency: number;
  /** `-c eventBus`: false builds no bus; the functions that would publish get HOOKBRIDGE_EVENT_BUS=off. */
  eventBus: boolean;
}

export interface Pipeline {
  /** Carries each delivery attempt (per-message DelaySeconds for the retry schedule). */
  deliveryQueue: sqs.Queue;
  /** Receives normalised events; none with `-c eventBus=false`. */
  bus: events.EventBus | undefined;
  /** Every dead-letter queue, each to be alarmed on depth. */
  deadLetterQueues: sqs.Queue[];
}

/**
 * Stream -> events-process -> delivery queue -> deliveries-send, and the event bus, with a
 * dead-letter queue behind each hop; every function is wired to what its settings say it uses.
 */
export function addPipeline(scope: Construct, props: PipelineProps): Pipeline {
  const deadLetterQueues: sqs.Queue[] = [];
  const dlq = (id: string) => {
    const q = deadLetterQueue(scope, id);
    deadLetterQueues.push(q);
    return q;
  };
  addStreamSource(props, dlq);
  const deliveryDlq = dlq('DeliveryDlq');
  const deliveryQueue = new sqs.Queue(scope, 'DeliveryQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Six times the consumer's timeout, as AWS recommends for Lambda event sources.
    visibilityTimeout: Duration.seconds(6 * (FUNCTION_SETTINGS['deliveries-send']?.timeoutSec ?? 30)),
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deliveryDlq, maxReceiveCount: 5 },
  });
  const bus = props.eventBus
    ? new events.EventBus(scope, 'Bus', {
        eventBusName: `${Stack.of(scope).stackName}-events`,
        description: 'Normalised Hookbridge events',
      })
    : undefined;
  const pipeline = { deliveryQueue, bus, deadLetterQueues };
  for (const [name, f] of props.functions) wireFunction(f, name, pipeline, props.deliveryConcurrency);
  return pipeline;
}

/** An encrypted, TLS-only dead-letter queue with 14-day retention. */
function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const q = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(q).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a dead-letter queue (an on-failure destination); it is alarmed on depth.',
  });
  return q;
}

/** The DynamoDB stream feeds events-process: only new `event` records pass the filter. */
function addStreamSource(props: PipelineProps, dlq: (id: string) => sqs.Queue): void {
  const processor = props.functions.get(STREAM_SETTINGS.function);
  if (!processor) return;
  const streamDlq = dlq('StreamDlq');
  processor.fn.addEventSource(
    // TableV2 is not an ITable, but carries the stream ARN the event source reads.
    new DynamoEventSource(props.table as unknown as dynamodb.ITable, {
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

/** Grants and environment for the queue and bus a function sends to, and the queue it consumes. */
function wireFunction(
  f: HookbridgeFunction,
  name: string,
  pipeline: Pipeline,
  deliveryConcurrency: number,
): void {
  const s = FUNCTION_SETTINGS[name];
  if (s?.uses?.includes('delivery-queue')) {
    pipeline.deliveryQueue.grantSendMessages(f.fn);
    f.fn.addEnvironment('HOOKBRIDGE_DELIVERY_QUEUE_URL', pipeline.deliveryQueue.queueUrl);
  }
  if (s?.uses?.includes('event-bus')) {
    if (pipeline.bus) {
      pipeline.bus.grantPutEventsTo(f.fn);
      f.fn.addEnvironment('HOOKBRIDGE_EVENT_BUS_NAME', pipeline.bus.eventBusName);
    } else f.fn.addEnvironment('HOOKBRIDGE_EVENT_BUS', 'off');
  }
  if (s?.uses?.includes('queue-stats')) {
    for (const q of [pipeline.deliveryQueue, ...pipeline.deadLetterQueues])
      q.grant(f.fn, 'sqs:GetQueueAttributes');
    f.fn.addEnvironment(
      'HOOKBRIDGE_DEAD_LETTER_QUEUE_URLS',
      pipeline.deadLetterQueues.map((q) => q.queueUrl).join(','),
    );
  }
  if (s?.consumesDeliveryQueue) {
    f.fn.addEventSource(
      new SqsEventSource(pipeline.deliveryQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: deliveryConcurrency,
      }),
    );
  }
}
