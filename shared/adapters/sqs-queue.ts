/**
 * The delivery queue on AWS: SQS with per-message DelaySeconds (max 900 s). A static import on
 * purpose: esbuild then keeps the client and one command, where a dynamic import() keeps the
 * whole package. The client itself is created on first use.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryQueue, QueueMessage } from '../ports/index.js';

export class SqsDeliveryQueue implements DeliveryQueue {
  private client: SQSClient | undefined;

  constructor(
    private readonly queueUrl: string,
    private readonly region: string,
  ) {}

  async send(message: QueueMessage, delaySec: number): Promise<void> {
    this.client ??= new SQSClient({ region: this.region });
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.max(0, Math.min(900, Math.floor(delaySec))),
      }),
    );
  }
}
