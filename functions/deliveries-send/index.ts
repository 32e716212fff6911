/** SQS consumer for the delivery queue: one signed attempt (or one bulk-replay page) per message. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliveryDeps } from '../../shared/delivery/deps.js';
import { handleQueueMessage } from '../../shared/delivery/send.js';
import type { QueueMessage } from '../../shared/delivery/types.js';

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const deps = deliveryDeps();
  const failures: { itemIdentifier: string }[] = [];
  await Promise.all(
    (event.Records ?? []).map(async (r) => {
      let msg: QueueMessage;
      try {
        msg = JSON.parse(r.body) as QueueMessage;
      } catch {
        deps.rt.log.error('malformed delivery message dropped', { messageId: r.messageId });
        return;
      }
      try {
        // Another invocation holds a live claim on this attempt: hand the message back so it
        // returns after the visibility timeout (by then settled, or stale and re-taken).
        if ((await handleQueueMessage(deps, msg)) === 'busy') failures.push({ itemIdentifier: r.messageId });
      } catch (err) {
        deps.rt.log.error('delivery message failed', {
          messageId: r.messageId,
          code: (err as { code?: string }).code ?? (err as Error).name,
        });
        failures.push({ itemIdentifier: r.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}
