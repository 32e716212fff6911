/**
 * DynamoDB stream consumer (filter: new `event` records, infra/stream.ts), with
 * ReportBatchItemFailures: failures are reported from the lowest failed sequence number on.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { imageToItem } from '../../shared/adapters/dynamodb/stream.js';
import { deliveryDeps } from '../../shared/delivery/deps.js';
import { batchDestinations, processEventItem } from '../../shared/delivery/process.js';

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const deps = deliveryDeps();
  const records = event.Records ?? [];
  const destinations = batchDestinations(deps);
  // Records of a batch are distinct event items, so they run concurrently: order between events is
  // the read model's job (the ordering guard), not arrival order's.
  const outcomes = await Promise.allSettled(
    records.map(async (r) => {
      const image = r.dynamodb?.NewImage;
      if (!image) return;
      const item = imageToItem(image);
      const result = await processEventItem(deps, item, destinations, r.dynamodb?.SequenceNumber);
      deps.rt.log.debug('event processed', { eventId: item.id, ...result });
    }),
  );
  const firstFailed = outcomes.findIndex((o) => o.status === 'rejected');
  if (firstFailed < 0) return { batchItemFailures: [] };
  const reason = (outcomes[firstFailed] as PromiseRejectedResult).reason as { code?: string; name?: string };
  deps.rt.log.error('event processing failed', {
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
}
