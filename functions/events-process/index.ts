/**
 * DynamoDB stream consumer (filter: new `event` records, infra/stream.ts), with
 * ReportBatchItemFailures: failures are reported from the lowest failed sequence number on.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { buildDeliveryContainer, type DeliveryContainer } from '../../infra/container/delivery.js';
import { lambda } from '../../infra/container/lambda.js';
import { batchDestinations, processEventItem } from '../../shared/delivery/process.js';

const consume =
  ({ delivery: deps, streamItem }: DeliveryContainer) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const records = event.Records ?? [];
    const destinations = batchDestinations(deps);
    // Records of a batch are distinct event items, so they run concurrently: order between events is
    // the read model's job (the ordering guard), not arrival order's.
    const outcomes = await Promise.allSettled(
      records.map(async (r) => {
        const image = r.dynamodb?.NewImage;
        if (!image) return;
        const item = streamItem(image);
        const result = await processEventItem(deps, item, destinations, r.dynamodb?.SequenceNumber);
        deps.log.debug('event processed', { eventId: item.id, ...result });
      }),
    );
    const firstFailed = outcomes.findIndex((o) => o.status === 'rejected');
    if (firstFailed < 0) return { batchItemFailures: [] };
    const reason = (outcomes[firstFailed] as PromiseRejectedResult).reason as {
      code?: string;
      name?: string;
    };
    deps.log.error('event processing failed', {
      sequenceNumber: records[firstFailed]?.dynamodb?.SequenceNumber,
      code: reason?.code ?? reason?.name,
    });
    // Lambda checkpoints before the lowest reported record and retries from there; reprocessing the
    // later successes is harmless because every effect is conditional.
    return {
      batchItemFailures: records
        .slice(firstFailed)
        .map((f) => ({ itemIdentifier: f.dynamodb?.SequenceNumber ?? '' })),
    };
  };

export const handler = lambda(buildDeliveryContainer, consume);
