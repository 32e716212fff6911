/** SQS consumer for the delivery queue: one signed attempt (or one bulk-replay page) per message. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { buildDeliveryContainer, type DeliveryContainer } from '../../infra/container/delivery.js';
import { lambda } from '../../infra/container/lambda.js';
import { batchDestinationReader, handleQueueMessage } from '../../shared/delivery/send.js';
import type { QueueMessage } from '../../shared/delivery/types.js';

const consume =
  ({ delivery: deps }: DeliveryContainer) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    const readDestination = batchDestinationReader(deps);
    await Promise.all(
      (event.Records ?? []).map(async (r) => {
        let msg: QueueMessage;
        try {
          msg = JSON.parse(r.body) as QueueMessage;
        } catch {
          deps.log.error('malformed delivery message dropped', { messageId: r.messageId });
          return;
        }
        try {
          // Another invocation holds a live claim on this attempt: hand the message back so it
          // returns after the visibility timeout (by then settled, or stale and re-taken).
          if ((await handleQueueMessage(deps, msg, readDestination)) === 'busy')
            failures.push({ itemIdentifier: r.messageId });
        } catch (err) {
          deps.log.error('delivery message failed', {
            messageId: r.messageId,
            code: (err as { code?: string }).code ?? (err as Error).name,
          });
          failures.push({ itemIdentifier: r.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };

export const handler = lambda(buildDeliveryContainer, consume);
