/**
 * Publishes normalised events to the custom EventBridge bus. A static import on purpose (see
 * sqs-queue.ts); the client is created on first use.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BUS_ENTRY_MAX_BYTES, type BusEntry, busEntrySize, type EventBusPublisher } from '../ports/index.js';

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX = 10;

export class EventBridgePublisher implements EventBusPublisher {
  private client: EventBridgeClient | undefined;

  constructor(
    private readonly busName: string,
    private readonly region: string,
  ) {}

  async publish(entries: BusEntry[]): Promise<void> {
    if (!entries.length) return;
    this.client ??= new EventBridgeClient({ region: this.region });
    for (let i = 0; i < entries.length; i += PUT_EVENTS_MAX) {
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: entries.slice(i, i + PUT_EVENTS_MAX).map((e) => ({
            EventBusName: this.busName,
            Source: e.source,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
          })),
        }),
      );
      if (out.FailedEntryCount) throw new Error(`EventBridge rejected ${out.FailedEntryCount} entries`);
    }
  }
}

/**
 * Local / unconfigured: keeps what would have been published, so tests can assert it. Like
 * PutEvents it refuses an entry over 256 KB (the whole call fails, as the AWS publisher does).
 */
export class RecordingPublisher implements EventBusPublisher {
  readonly published: BusEntry[] = [];
  async publish(entries: BusEntry[]): Promise<void> {
    const over = entries.filter((e) => busEntrySize(e) > BUS_ENTRY_MAX_BYTES);
    if (over.length)
      throw new Error(
        `EventBridge rejected ${over.length} entries: over the ${BUS_ENTRY_MAX_BYTES}-byte PutEvents entry limit`,
      );
    this.published.push(...entries);
  }
}
