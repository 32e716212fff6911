/**
 * DynamoDB stream consumer (filter: new `event` records, infra/stream.ts). Records of one batch are
 * processed in stream order; the first failure stops the batch and is reported, so Lambda retries
 * from that record on (ReportBatchItemFailures) and later records never overtake it.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { imageToItem } from '../../shared/adapters/dynamodb/stream.js';
import { deliveryDeps } from '../../shared/delivery/deps.js';
import { processEventItem } from '../../shared/delivery/process.js';

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const deps = deliveryDeps();
  const records = event.Records ?? [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const image = r.dynamodb?.NewImage;
    if (!image) continue;
    try {
      const item = imageToItem(image);
      const result = await processEventItem(deps, item);
      deps.rt.log.debug('event processed', { eventId: item.id, ...result });
    } catch (err) {
      deps.rt.log.error('event processing failed', {
        sequenceNumber: r.dynamodb?.SequenceNumber,
        code: (err as { code?: string }).code ?? (err as Error).name,
      });
      return {
        batchItemFailures: records
          .slice(i)
          .map((f) => ({ itemIdentifier: f.dynamodb?.SequenceNumber ?? '' })),
      };
    }
  }
  return { batchItemFailures: [] };
}
