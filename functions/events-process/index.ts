/**
 * DynamoDB stream consumer (filter: new `event` records, infra/stream.ts), with
 * ReportBatchItemFailures: failures are reported from the lowest failed sequence number on.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { buildDeliveryContainer, type DeliveryContainer } from '../../infra/container/delivery.js';
import { lambda } from '../../infra/container/lambda.js';
import { processBatch } from '../../shared/delivery/process.js';

const consume =
  ({ delivery: deps, streamItem }: DeliveryContainer) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    // A record without an image has nothing to process (the filter passes only inserts).
    const records = (event.Records ?? []).filter((r) => r.dynamodb?.NewImage);
    // Records of a batch are distinct event items, so they run concurrently: order between events is
    // the read model's job (the ordering guard), not arrival order's.
    const items = records.map((r) => ({
      item: streamItem(r.dynamodb?.NewImage ?? {}),
      token: r.dynamodb?.SequenceNumber,
    }));
    const outcomes = await processBatch(deps, items);
    for (const [i, o] of outcomes.entries())
      if (o.status === 'fulfilled')
        deps.log.debug('event processed', { eventId: items[i]?.item.id, ...o.value });
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
