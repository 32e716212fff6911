/** The delivery queue on AWS: SQS with per-message DelaySeconds (max 900 s). The SDK loads lazily. */
import type { DeliveryQueue, QueueMessage } from '../delivery/types.js';

export class SqsDeliveryQueue implements DeliveryQueue {
  private client: Promise<{ send(msg: QueueMessage, delay: number): Promise<void> }> | undefined;

  constructor(
    private readonly queueUrl: string,
    private readonly region: string,
  ) {}

  private load() {
    this.client ??= import('@aws-sdk/client-sqs').then(({ SQSClient, SendMessageCommand }) => {
      const sqs = new SQSClient({ region: this.region });
      return {
        send: async (msg: QueueMessage, delay: number) => {
          await sqs.send(
            new SendMessageCommand({
              QueueUrl: this.queueUrl,
              MessageBody: JSON.stringify(msg),
              DelaySeconds: Math.max(0, Math.min(900, Math.floor(delay))),
            }),
          );
        },
      };
    });
    return this.client;
  }

  async send(message: QueueMessage, delaySec: number): Promise<void> {
    await (await this.load()).send(message, delaySec);
  }
}
