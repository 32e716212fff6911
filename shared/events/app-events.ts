/**
 * The port through which Hookbridge emits its own events to the app (e.g. `connection.created`).
 * They are delivered like webhook deliveries and signed the same way: the default publisher
 * stores each one as an event record of provider `hookbridge`, so it flows through the same
 * stream -> events-process -> delivery pipeline as a received webhook.
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

let publisher: AppEventPublisher | undefined;

/** Tests may swap the publisher; by default events are stored and delivered (see storedPublisher). */
export function setAppEventPublisher(p: AppEventPublisher | undefined): void {
  publisher = p;
}

export function appEvents(): AppEventPublisher {
  return publisher ?? storedPublisher;
}

/** Default: store the event for the delivery pipeline (loaded on first use, so importers stay light). */
const storedPublisher: AppEventPublisher = {
  publish: async (event) =>
    (await import('../delivery/app-event-publisher.js')).storedAppEventPublisher.publish(event),
};
