/** Publishes normalised events to the custom EventBridge bus. The SDK loads lazily. */
import type { BusEntry, EventBusPublisher } from '../delivery/types.js';

export class EventBridgePublisher implements EventBusPublisher {
  private client: Promise<(entries: BusEntry[]) => Promise<void>> | undefined;

  constructor(
    private readonly busName: string,
    private readonly region: string,
  ) {}

  private load() {
    this.client ??= import('@aws-sdk/client-eventbridge').then(({ EventBridgeClient, PutEventsCommand }) => {
      const eb = new EventBridgeClient({ region: this.region });
      return async (entries: BusEntry[]) => {
        // PutEvents takes at most 10 entries per call.
        for (let i = 0; i < entries.length; i += 10) {
          const out = await eb.send(
            new PutEventsCommand({
              Entries: entries.slice(i, i + 10).map((e) => ({
                EventBusName: this.busName,
                Source: e.source,
                DetailType: e.detailType,
                Detail: JSON.stringify(e.detail),
              })),
            }),
          );
          if (out.FailedEntryCount) throw new Error(`EventBridge rejected ${out.FailedEntryCount} entries`);
        }
      };
    });
    return this.client;
  }

  async publish(entries: BusEntry[]): Promise<void> {
    if (entries.length) await (await this.load())(entries);
  }
}

/** Local / unconfigured: keeps what would have been published, so tests can assert it. */
export class RecordingPublisher implements EventBusPublisher {
  readonly published: BusEntry[] = [];
  async publish(entries: BusEntry[]): Promise<void> {
    this.published.push(...entries);
  }
}
