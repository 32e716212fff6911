/**
 * The pipeline's SQS queues' depths (GET /health/pipeline): one GetQueueAttributes per queue, the
 * approximate counts SQS keeps. The stack grants sqs:GetQueueAttributes on exactly these queues.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueStats } from '../ports/index.js';

const ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

export interface SqsQueueRef {
  url: string;
  role: QueueDepth['role'];
}

export class SqsQueueStats implements QueueStats {
  private client: SQSClient | undefined;

  constructor(
    private readonly queues: readonly SqsQueueRef[],
    private readonly region: string,
  ) {}

  depths(): Promise<QueueDepth[]> {
    this.client ??= new SQSClient({ region: this.region });
    const client = this.client;
    return Promise.all(
      this.queues.map(async ({ url, role }) => {
        const out = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...ATTRIBUTES] }),
        );
        const n = (a: (typeof ATTRIBUTES)[number]) => Number(out.Attributes?.[a] ?? 0);
        return {
          name: url.split('/').at(-1) ?? url,
          role,
          visible: n('ApproximateNumberOfMessages'),
          inFlight: n('ApproximateNumberOfMessagesNotVisible'),
          delayed: n('ApproximateNumberOfMessagesDelayed'),
        };
      }),
    );
  }
}
