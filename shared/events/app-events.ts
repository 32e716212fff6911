/**
 * The port through which Hookbridge emits its own events to the app (e.g. `connection.created`).
 * They are delivered like webhook deliveries and signed the same way: the default publisher
 * (shared/delivery/app-event-publisher.ts) stores each one as an event record of provider
 * `hookbridge`, so it flows through the same stream -> events-process -> delivery pipeline.
 */

export interface AppEvent {
  /** Stable id: replays and retries keep it, so the app can dedupe. */
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface AppEventPublisher {
  publish(event: AppEvent): Promise<void>;
}
